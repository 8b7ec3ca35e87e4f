package w2s.finetune;

import w2s.model.Pooling;
import w2s.model.arch.Lora;

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
 * @param lora         LoRA adapters on the frozen backbone (null: full fine-tuning)
 * @param device       "auto", "cpu", "cuda" or "cuda:N" (see {@link w2s.torch.Device#parse})
 * @param truncateLeft long texts keep their end instead of their start, special tokens included
 * @param dtype        "fp32", "bf16" or "auto" (resolved per device by {@link w2s.torch.Torch#resolve})
 */
public record FineTuneConfig(Pooling pooling, int minibatch, int freezeLayers, int maxTokens, boolean keepGraphs,
                             int predictBatch, Lora.Config lora, String device, boolean truncateLeft, String dtype) {
    public FineTuneConfig(Pooling pooling, int minibatch, int freezeLayers, int maxTokens, boolean keepGraphs,
                          int predictBatch, Lora.Config lora, String device) {
        this(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, device, false, "fp32");
    }

    public FineTuneConfig {
        java.util.Objects.requireNonNull(pooling, "pooling");
        java.util.Objects.requireNonNull(device, "device");
        if (dtype == null) dtype = "fp32";
        if (minibatch < 1 || predictBatch < 1) throw new IllegalArgumentException("minibatch sizes must be positive");
        if (freezeLayers < 0) throw new IllegalArgumentException("freezeLayers must be >= 0, got " + freezeLayers);
        if (maxTokens < 2) throw new IllegalArgumentException("maxTokens must be at least 2, got " + maxTokens);
        if (lora != null && freezeLayers > 0) {
            throw new IllegalArgumentException("LoRA freezes the whole backbone already; --freeze-layers "
                    + freezeLayers + " cannot be combined with --lora-rank " + lora.rank());
        }
    }

    public FineTuneConfig(Pooling pooling, int minibatch, int freezeLayers, int maxTokens, boolean keepGraphs,
                          int predictBatch) {
        this(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, null, "auto");
    }

    /**
     * The dtype the backbone's weights are stored in when training computes in {@code compute}: fp32 where they train
     * (bf16 training keeps an fp32 master copy, cast per pass under autocast, as PyTorch recommends); with LoRA the
     * backbone is frozen, needs no master copy and is stored as it computes (bf16: half the memory, and nothing for
     * autocast to cast); adapters and head are fp32 either way.
     */
    public w2s.torch.Dtype backboneDtype(w2s.torch.Dtype compute) {
        return lora != null ? compute : w2s.torch.Dtype.FP32;
    }

    public static FineTuneConfig defaults() {
        return new FineTuneConfig(Pooling.MEAN, 8, 0, 256, true, 32, null, "auto");
    }

    public FineTuneConfig withPooling(Pooling p) {
        return new FineTuneConfig(p, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withMinibatch(int m) {
        return new FineTuneConfig(pooling, m, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withFreezeLayers(int n) {
        return new FineTuneConfig(pooling, minibatch, n, maxTokens, keepGraphs, predictBatch, lora, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withMaxTokens(int n) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, n, keepGraphs, predictBatch, lora, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withKeepGraphs(boolean keep) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keep, predictBatch, lora, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withLora(Lora.Config l) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, l, device,
                truncateLeft, dtype);
    }

    public FineTuneConfig withDevice(String d) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, d,
                truncateLeft, dtype);
    }

    public FineTuneConfig withTruncateLeft(boolean left) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, device,
                left, dtype);
    }

    /** "fp32", "bf16" or "auto" (see {@link w2s.torch.Torch#resolve}). */
    public FineTuneConfig withDtype(String d) {
        return new FineTuneConfig(pooling, minibatch, freezeLayers, maxTokens, keepGraphs, predictBatch, lora, device,
                truncateLeft, d);
    }
}
