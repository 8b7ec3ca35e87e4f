package w2s.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;

import w2s.encode.FeatureSpec;
import w2s.model.arch.Lora;
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
 * @param lora      fine-tuning: LoRA adapters on the frozen backbone (null: full fine-tuning, or not fine-tuned)
 * @param dtype     fine-tuning: the precision asked for, "fp32" (the only one that runs here; null unless fine-tuned)
 * @param device    fine-tuning: "auto", "cpu", "cuda" or "cuda:N" (null unless fine-tuned)
 * @param gradCheckpoint fine-tuning: recompute each minibatch's forward pass for its backward pass instead of holding
 *                  every minibatch's activations (null unless fine-tuned)
 * @param truncate  "left": long texts keep their end, special tokens included (null: cut on the right, the default)
 *
 * <p>The fields added for LoRA, precision and devices are left out of the JSON when null, so the configurations of
 * probes and the bag-of-words model, and with them their cache keys, are as they were before these fields existed.
 */
public record ModelConfig(String name, Training mode, String layer, String pooling, Integer maxTokens, String head,
                          TrainConfig train, Integer freezeLayers,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Lora.Config lora,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String dtype,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String device,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Boolean gradCheckpoint,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String truncate) {
    public ModelConfig {
        truncate = FeatureSpec.truncation(truncate);
    }

    public ModelConfig(String name, Training mode, String layer, String pooling, Integer maxTokens, String head,
                       TrainConfig train, Integer freezeLayers, Lora.Config lora, String dtype, String device,
                       Boolean gradCheckpoint) {
        this(name, mode, layer, pooling, maxTokens, head, train, freezeLayers, lora, dtype, device, gradCheckpoint,
                null);
    }

    /** A model without the fine-tuning compute settings (probes, bow, CCS). */
    public ModelConfig(String name, Training mode, String layer, String pooling, Integer maxTokens, String head,
                       TrainConfig train, Integer freezeLayers) {
        this(name, mode, layer, pooling, maxTokens, head, train, freezeLayers, null, null, null, null);
    }

    public FeatureSpec features() {
        return new FeatureSpec(name, layer, pooling, maxTokens, truncate);
    }

    public ModelConfig withTrain(TrainConfig t) {
        return new ModelConfig(name, mode, layer, pooling, maxTokens, head, t, freezeLayers, lora, dtype, device,
                gradCheckpoint, truncate);
    }

    /** The same model with long texts cut on the given side ("right", the default, or "left"). */
    public ModelConfig withTruncate(String side) {
        return new ModelConfig(name, mode, layer, pooling, maxTokens, head, train, freezeLayers, lora, dtype, device,
                gradCheckpoint, side);
    }

    public String describe() {
        if (mode == Training.SCRATCH) return name;
        return name + " " + mode.id() + (lora != null ? " (LoRA r=" + lora.rank() + ")" : "");
    }
}
