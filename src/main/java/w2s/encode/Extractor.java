package w2s.encode;

import java.util.List;

import w2s.base.Progress;

/** Reads frozen hidden states of a pretrained model, pooled per text. */
public interface Extractor extends AutoCloseable {

    /**
     * The vectors of several layers from one pass per batch: element k holds layer {@code layers[k]}'s vector per
     * text, in input order (layer 0 is the embedding output).
     *
     * @param pooling   "mean", "cls" or "last" (see {@link w2s.model.Pooling})
     * @param maxTokens longer texts are truncated to this many tokens, special tokens included
     * @param progress  advanced by the number of texts in each finished batch; not closed here
     */
    float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens, Progress progress);

    /** As above; with {@code left} a long text keeps its end, special tokens included. */
    default float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens, boolean left,
                                     Progress progress) {
        if (left) throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot truncate on the left");
        return encodeLayers(texts, layers, pooling, maxTokens, progress);
    }

    @Override
    void close();
}
