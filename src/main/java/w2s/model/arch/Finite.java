package w2s.model.arch;

import java.util.List;

import w2s.torch.Tensor;

/**
 * Outputs of a model refused when they are not finite: a NaN weight or an out-of-range config value otherwise
 * becomes NaN vectors or probabilities written with exit 0. The error names the model and the first layer whose
 * hidden states hold a NaN or an infinity, which says where to look (the embeddings, one block's weights, all of them).
 */
public final class Finite {
    private Finite() {}

    /** Whether every value is finite. */
    public static boolean all(float[] values) {
        for (float v : values) if (!Float.isFinite(v)) return false;
        return true;
    }

    /**
     * The first layer (0 = the embeddings, as {@link Backbone#forward} numbers them) whose hidden states hold a NaN
     * or an infinity at a real token ({@code mask} [B, T] is 1 there), or -1 if none does.
     */
    public static int firstBadLayer(List<Tensor> states, Tensor mask) {
        for (int l = 0; l < states.size(); l++) {
            Tensor bad = states.get(l).nonFinite().toFloat().sum(2);
            if (bad.mul(mask).sum().item() > 0) return l;
        }
        return -1;
    }

    /** The error for non-finite {@code what} (vectors, probabilities) of {@code model}, found at {@code layer}. */
    public static ArithmeticException error(String model, String what, int layer, int layers) {
        String where = layer < 0 ? "every layer is finite, the pooled or head output is not"
                : "first at layer " + layer + " of 0.." + layers + (layer == 0 ? " (the embeddings)" : "");
        return new ArithmeticException(model + ": the " + what + " are NaN or infinite (" + where + "); nothing was"
                + " written (are the checkpoint's weights or config.json's values out of range?)");
    }
}
