package w2s.model;

import w2s.encode.FeatureSpec;
import w2s.train.TrainConfig;

/**
 * One model of an experiment, fully specified: which model, how it is used, and how it is trained.
 *
 * @param name      "bow", a registered model, a model folder's path or a Hugging Face id (see {@code bin/w2s models})
 * @param mode      how it is trained (see {@link Training})
 * @param layer     layer read by a probe: "last", "middle" or N (null for bow and fine-tuning, which reads the last)
 * @param pooling   "mean" over the attention mask, "cls" or "last" (see {@link Pooling}; null for bow)
 * @param maxTokens texts are truncated to this many tokens (null for bow)
 * @param head      "linear" or "mlp"
 * @param train     optimisation settings
 * @param freezeLayers fine-tuning: the embeddings and this many lowest layers stay frozen (null unless fine-tuned)
 */
public record ModelConfig(String name, Training mode, String layer, String pooling, Integer maxTokens, String head,
                          TrainConfig train, Integer freezeLayers) {

    public FeatureSpec features() {
        return new FeatureSpec(name, layer, pooling, maxTokens);
    }

    public ModelConfig withTrain(TrainConfig t) {
        return new ModelConfig(name, mode, layer, pooling, maxTokens, head, t, freezeLayers);
    }

    public String describe() {
        return mode == Training.SCRATCH ? name : name + " " + mode.id();
    }
}
