package w2s.model.arch;

import ai.djl.ndarray.NDArray;

/**
 * Padded model inputs for a group of texts, padded on the right: token ids and token types (int64 [B, T]) and the
 * attention mask (fp32 [B, T], 1 for real tokens, 0 for padding). With right padding every real token keeps its
 * position, and a causal model's real tokens never see the padding after them.
 */
public record Batch(NDArray ids, NDArray typeIds, NDArray mask) {}
