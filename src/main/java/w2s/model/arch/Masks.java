package w2s.model.arch;

import w2s.torch.Tensor;

/**
 * The attention masks of a right-padded batch, as bool tensors (true where a query may attend to a key) for
 * {@link w2s.torch.Nn#attention}. An unpadded batch needs none: null, and causal models pass {@code causal}.
 */
final class Masks {
    private Masks() {}

    /** Keys that are real tokens, [B, 1, 1, T]; null when nothing is padding. */
    static Tensor keys(Batch batch) {
        if (!batch.padded()) return null;
        return batch.mask().gt(0.5).reshape(batch.size(), 1, 1, batch.length());
    }

    /**
     * Causal and real keys, [B, 1, T, T]; null when nothing is padding (the attention is then causal by itself).
     * Under right padding the padding changes only the states at padded positions (a real token never sees the
     * padding after it); it is applied anyway so that every position matches Hugging Face.
     */
    static Tensor causal(Batch batch) {
        if (!batch.padded()) return null;
        long t = batch.length();
        Tensor positions = Tensor.arange(t, batch.mask());
        Tensor past = positions.reshape(1, t).gt(positions.reshape(t, 1)).logicalNot().reshape(1, 1, t, t);
        return past.logicalAnd(keys(batch));
    }
}
