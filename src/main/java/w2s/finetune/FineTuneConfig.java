package w2s.finetune;

import w2s.model.Pooling;

/**
 * How an encoder is fine-tuned, beside the optimisation settings of {@link w2s.train.TrainConfig} (Adam, learning
 * rate, schedule, batch, epochs). None of these changes the mathematics of a step except {@code pooling},
 * {@code freezeLayers} and {@code maxTokens}.
 *
 * @param pooling      how token states become the head's input (see {@link Pooling})
 * @param minibatch    examples per forward pass; a batch is sorted by length and cut into minibatches, each padded
 *                     to its own longest text, so cost follows the real token count
 * @param freezeLayers the embeddings and this many lowest transformer layers are not trained (0: train everything)
 * @param maxTokens    longer texts are truncated (the reference drops texts longer than its context instead)
 * @param keepGraphs   keep every minibatch's autograd graph until the whole batch's loss is known (fastest); false
 *                     runs each minibatch forward twice, without and then with a graph, so only one minibatch's
 *                     activations are held at a time (for long texts or large models)
 * @param predictBatch examples per forward pass when predicting
 */
public record FineTuneConfig(Pooling pooling, int minibatch, int freezeLayers, int maxTokens, boolean keepGraphs,
                             int predictBatch) {
    public FineTuneConfig {
        java.util.Objects.requireNonNull(pooling, "pooling");
        if (minibatch < 1 || predictBatch < 1) throw new IllegalArgumentException("minibatch sizes must be positive");
        if (freezeLayers < 0) throw new IllegalArgumentException("freezeLayers must be >= 0, got " + freezeLayers);
        if (maxTokens < 2) throw new IllegalArgumentException("maxTokens must be at least 2, got " + maxTokens);
    }

    public static FineTuneConfig defaults() {
        return new FineTuneConfig(Pooling.MEAN, 8, 0, 256, true, 32);
    }

    public FineTuneConfig withPooling(Pooling p) {
        return new FineTuneConfig(p, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch);
    }

    public FineTuneConfig withMinibatch(int m) {
        return new FineTuneConfig(pooling, m, freezeLayers, maxTokens, keepGraphs, predictBatch);
    }

    public FineTuneConfig withFreezeLayers(int n) {
        return new FineTuneConfig(pooling, minibatch, n, maxTokens, keepGraphs, predictBatch);
    }

    public FineTuneConfig withMaxTokens(int n) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, n, keepGraphs, predictBatch);
    }

    public FineTuneConfig withKeepGraphs(boolean keep) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keep, predictBatch);
    }
}
