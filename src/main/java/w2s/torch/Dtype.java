package w2s.torch;

import java.util.Locale;

/**
 * The precision a model computes in. {@code fp32} everywhere; {@code bf16}: for extraction the weights and
 * activations are bfloat16, for training the weights and optimiser state stay fp32 (the master copy) and the
 * matrix products run in bfloat16 under torch's autocast, as PyTorch recommends. Losses and metrics are always
 * computed in fp32 (in Java doubles).
 */
public enum Dtype {
    FP32, BF16;

    /** "fp32"/"float32" or "bf16"/"bfloat16"; "auto" is resolved by {@link Torch#resolve}. */
    public static Dtype parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "float" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "'; valid: auto, fp32, bf16");
        };
    }

    /** The name used on the command line and in results. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    org.bytedeco.pytorch.global.torch.ScalarType scalarType() {
        return this == FP32 ? org.bytedeco.pytorch.global.torch.ScalarType.Float
                : org.bytedeco.pytorch.global.torch.ScalarType.BFloat16;
    }

    /** A dtype chosen for a device, and why (printed, and recorded with results). */
    public record Choice(Dtype dtype, String reason) {}
}
