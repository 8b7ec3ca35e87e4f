package w2s.model.arch;

import w2s.torch.Tensor;

/**
 * Padded model inputs for a group of texts, padded on the right: token ids and token types (int64 [B, T]) and the
 * attention mask (fp32 [B, T], 1 for real tokens, 0 for padding). With right padding every real token keeps its
 * position, and a causal model's real tokens never see the padding after them. {@code padded} says whether any
 * position is padding (length-bucketed batches often have none, and attention then needs no mask).
 */
public record Batch(Tensor ids, Tensor typeIds, Tensor mask, boolean padded) {
    public long size() {
        return ids.size(0);
    }

    public long length() {
        return ids.size(1);
    }
}
