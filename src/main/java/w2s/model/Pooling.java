package w2s.model;

import java.util.Arrays;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * How a text's token states become one vector: a weighted sum over positions whose weights come from the attention
 * mask alone (inputs are padded on the right), so it never depends on which token id padding uses.
 *
 * <ul>
 *   <li>{@code mean}: the average over real tokens (sentence-embedding models' own pooling);
 *   <li>{@code cls}: the first token (BERT's [CLS]);
 *   <li>{@code last}: the last real token, what a decoder's state summarises; the openai reference reads it for its
 *       classification head and its linear probe (it finds it by {@code id != 0}, which breaks on GPT-2, where 0 is
 *       the token "!"; the mask is used here).
 * </ul>
 */
public enum Pooling {
    MEAN, CLS, LAST;

    /** "mean", "cls" or "last" (any case); anything else is refused with the valid values. */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "'; valid: mean, cls, last");
        }
    }

    /** The name used on the command line and in results. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The weights over one text's positions, given its real token count and the padded length. */
    public float[] weights(int tokens, int length) {
        if (tokens < 1 || tokens > length) throw new IllegalArgumentException(tokens + " tokens in " + length + " positions");
        float[] w = new float[length];
        switch (this) {
            case MEAN -> Arrays.fill(w, 0, tokens, 1f / tokens);
            case CLS -> w[0] = 1f;
            case LAST -> w[tokens - 1] = 1f;
        }
        return w;
    }

    /** Pooled states [B, H] of hidden states [B, T, H] under a right-padded mask [B, T]. */
    public NDArray pool(NDArray hidden, NDArray mask) {
        int batch = (int) mask.getShape().get(0), length = (int) mask.getShape().get(1);
        float[] m = mask.toFloatArray();
        float[] w = new float[batch * length];
        for (int b = 0; b < batch; b++) {
            int tokens = 0;
            for (int t = 0; t < length; t++) tokens += m[b * length + t] > 0 ? 1 : 0;
            System.arraycopy(weights(tokens, length), 0, w, b * length, length);
        }
        NDArray weights = hidden.getManager().create(w, new Shape(batch, length, 1));
        return hidden.mul(weights).sum(new int[] {1});
    }

    /** Pooled vector of one text's token states [T][H] (T real tokens, no padding). */
    public float[] pool(float[][] states) {
        float[] w = weights(states.length, states.length);
        float[] out = new float[states[0].length];
        for (int t = 0; t < states.length; t++) {
            if (w[t] == 0) continue;
            for (int h = 0; h < out.length; h++) out[h] += w[t] * states[t][h];
        }
        return out;
    }
}
