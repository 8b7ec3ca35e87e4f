package w2s.model;

import java.util.Arrays;
import java.util.Locale;

import w2s.torch.Tensor;

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
 *   <li>{@code last-text}: the last token of the text itself, before the special tokens the tokenizer closes it with
 *       (BERT's [SEP]); the same as {@code last} for decoders, which close with nothing. For contrast pairs whose
 *       prompt ends in the answer, it is the answer's own state: in a bidirectional encoder that state has read the
 *       whole text, while the final [SEP] of a BERT trained with next-sentence prediction carries little of it.
 * </ul>
 */
public enum Pooling {
    MEAN, CLS, LAST, LAST_TEXT;

    /** "mean", "cls", "last" or "last-text" (any case); anything else is refused with the valid values. */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "'; valid: mean, cls, last, last-text");
        }
    }

    /** The name used on the command line and in results. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The special tokens a model's tokenizer closes every text with, which {@code last-text} skips: one ([SEP]) for
     * the BERT-family encoders, none for decoders.
     */
    public static int closingTokens(boolean causal) {
        return causal ? 0 : 1;
    }

    /**
     * The weights over one text's positions, given its real token count, the padded length and how many closing
     * special tokens end the real tokens (see {@link #closingTokens}).
     */
    public float[] weights(int tokens, int length, int closing) {
        if (tokens < 1 || tokens > length) throw new IllegalArgumentException(tokens + " tokens in " + length + " positions");
        float[] w = new float[length];
        switch (this) {
            case MEAN -> Arrays.fill(w, 0, tokens, 1f / tokens);
            case CLS -> w[0] = 1f;
            case LAST -> w[tokens - 1] = 1f;
            case LAST_TEXT -> w[Math.max(0, tokens - 1 - closing)] = 1f;
        }
        return w;
    }

    /** Pooled states [B, H] of hidden states [B, T, H] under a right-padded mask [B, T]. */
    public Tensor pool(Tensor hidden, Tensor mask, int closing) {
        int batch = (int) mask.size(0), length = (int) mask.size(1);
        float[] m = mask.toFloatArray();
        float[] w = new float[batch * length];
        for (int b = 0; b < batch; b++) {
            int tokens = 0;
            for (int t = 0; t < length; t++) tokens += m[b * length + t] > 0 ? 1 : 0;
            System.arraycopy(weights(tokens, length, closing), 0, w, b * length, length);
        }
        // fp32 weights: a bf16 model's states are pooled in fp32, as type promotion makes the product fp32.
        Tensor weights = Tensor.of(null, w, batch, length, 1).toDeviceOf(hidden);
        return hidden.mul(weights).sum(1);
    }

    /** Pooled vector of one text's token states [T][H] (T real tokens, no padding, {@code closing} as above). */
    public float[] pool(float[][] states, int closing) {
        float[] w = weights(states.length, states.length, closing);
        float[] out = new float[states[0].length];
        for (int t = 0; t < states.length; t++) {
            if (w[t] == 0) continue;
            for (int h = 0; h < out.length; h++) out[h] += w[t] * states[t][h];
        }
        return out;
    }
}
