package w2s.torch;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;

/** The neural-network functions of the architectures, as {@code torch.nn.functional} computes them. */
public final class Nn {
    private Nn() {}

    /** x·Wᵀ + b, with W [out, in]; {@code bias} may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (bias == null) return Tensor.wrap(torch.linear(x.t, weight.t), x);
        try (TensorOptional b = new TensorOptional(bias.t)) {
            return Tensor.wrap(torch.linear(x.t, weight.t, b), x);
        }
    }

    /** LayerNorm over the last dimension. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        try (TensorOptional w = new TensorOptional(weight.t); TensorOptional b = new TensorOptional(bias.t)) {
            return Tensor.wrap(torch.layer_norm(x.t, new long[] {x.size(-1)}, w, b, eps, true), x);
        }
    }

    /** Row lookup in an embedding table [rows, width] by int64 ids. */
    public static Tensor embedding(Tensor table, Tensor ids) {
        return Tensor.wrap(torch.embedding(table.t, ids.t), table);
    }

    /** GELU: exact (erf) or the tanh approximation (GPT-2's gelu_new). */
    public static Tensor gelu(Tensor x, boolean tanh) {
        return Tensor.wrap(tanh ? torch.gelu(x.t, "tanh") : torch.gelu(x.t), x);
    }

    /** x·σ(x). */
    public static Tensor silu(Tensor x) {
        return Tensor.wrap(torch.silu(x.t), x);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v over [B, heads, T, d], through torch's fused kernel (on the CPU a flash-attention
     * kernel that never holds the [T, T] scores of all heads at once).
     *
     * <p>bf16 on the CPU is computed in fp32 and rounded back to bf16: this libtorch's fused bf16 kernel is 6–8 times
     * slower than its fp32 one on a CPU with bfloat16 units, and quadratic in T (minilm-l6's heads, 4096 tokens: 250 ms
     * at T = 128 against 40 ms in fp32 with the casts; bench/README.md, "Training curves"): at 128 tokens it was 85% of
     * a bf16 forward pass, and bf16 fine-tuning of MiniLM ran at 0.4 of its rate now. The kernel accumulates in fp32
     * either way; only the rounding of its intermediate weights to bf16 is gone. GPUs keep their bf16 kernel.
     *
     * @param allowed bool [B or 1, 1, T, S], true where a query may attend to a key; null: causal when
     *                {@code causal}, else everything
     * @param causal  each query attends to the keys up to its own position, the T queries being the last T of the
     *                S key positions (with a key/value cache S is the past plus T; torch's own causal flag would
     *                align them at the start instead)
     * @param gqa     whether k and v have fewer heads than q, each shared by a group of query heads
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal, double scale,
                                   boolean gqa) {
        long queries = q.size(-2), keys = k.size(-2);
        if (allowed == null && causal && keys > queries) {
            causal = false;
            if (queries > 1) { // key j is visible to query i when j <= (keys - queries) + i
                Tensor j = Tensor.arange(keys, q).reshape(1, keys);
                Tensor i = Tensor.arange(queries, q).add(keys - queries).reshape(queries, 1);
                allowed = j.gt(i).logicalNot().reshape(1, 1, queries, keys);
            } // a single new query sees every key
        }
        if (q.dtype() == Dtype.BF16 && q.t.is_cpu()) {
            // Autocast would cast the fp32 inputs back to bf16 (attention is one of its lower-precision operations).
            boolean autocast = torch.is_autocast_enabled(DeviceType.CPU);
            torch.set_autocast_enabled(DeviceType.CPU, false);
            try {
                return fused(q.to(Dtype.FP32), k.to(Dtype.FP32), v.to(Dtype.FP32), allowed, causal, scale, gqa)
                        .to(Dtype.BF16);
            } finally {
                torch.set_autocast_enabled(DeviceType.CPU, autocast);
            }
        }
        if (allowed != null && q.dtype() == Dtype.BF16) {
            // (A GPU's, now.) In bf16 a bool mask sent torch on the CPU to a kernel about twice as slow as the whole
            // fp32 pass; an additive mask in q's dtype keeps the fused one. -1e30 (within bf16's range) makes a blocked
            // key's weight exactly 0.
            allowed = allowed.logicalNot().toFloat().mul(-1e30).to(Dtype.BF16);
        }
        return fused(q, k, v, allowed, causal, scale, gqa);
    }

    private static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal, double scale,
                                boolean gqa) {
        try (TensorOptional mask = allowed == null ? new TensorOptional() : new TensorOptional(allowed.t);
             DoubleOptional s = new DoubleOptional(scale)) {
            return Tensor.wrap(torch.scaled_dot_product_attention(q.t, k.t, v.t, mask, 0.0,
                    allowed == null && causal, s, gqa), q);
        }
    }
}
