package w2s.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Comparator;
import java.util.Set;

import w2s.model.arch.ArchConfig;
import w2s.model.arch.Backbone;
import w2s.model.arch.KvCache;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * Greedy decoding: after a prompt, the most likely next token under the model, again and again, until a stop token
 * or a length limit (Hugging Face's {@code generate(do_sample=False)}). The prompt runs through the model once
 * (prefill), then each new token once, reading the past from a {@link KvCache}; all under {@link Torch#noGrad}.
 *
 * <p>Prompts are decoded {@link #MAX_BATCH} at a time, shortest first so that a batch's lengths are close: one
 * matrix product with each weight then serves every row, which on a CPU costs about what one row does (a token's
 * pass is bound by reading the weights). Shorter prompts are padded on the left, so every row's next token is in
 * the same column; the cache gives each token its position within its own row and hides the padding from attention
 * (as Hugging Face's {@code generate} with left padding). A row that stops keeps being computed until its batch is
 * done; its output ends at its stop.
 *
 * <p>Logits and log-probabilities are fp32 whatever the weights' dtype ({@link Backbone#logits}); ties go to the
 * lowest token id, as torch's argmax.
 */
public final class Greedy {
    /** Prompts of one length decoded together at most. */
    public static final int MAX_BATCH = 16;

    private Greedy() {}

    /**
     * What was generated after one prompt.
     *
     * @param ids           the new tokens, the stop token excluded
     * @param tokenLogProbs each token's log-probability under the model given everything before it (fp32
     *                      log-softmax), one per id: their sum is the sequence's log-probability
     * @param stopped       whether a stop token ended it (else the limit of new tokens did)
     */
    public record Generated(long[] ids, double[] tokenLogProbs, boolean stopped) {
        /** The log-probability of the generated tokens given the prompt: the sum of the tokens'. */
        public double logProb() {
            return Arrays.stream(tokenLogProbs).sum();
        }
    }

    /**
     * Greedy continuations of token-id prompts, in the order of the prompts.
     *
     * @param model        a decoder with its LM head ({@link w2s.model.arch.Checkpoint#languageModel})
     * @param maxNewTokens at most this many tokens after each prompt (0: none)
     * @param stopIds      tokens that end a continuation (e.g. the EOS token); may be empty
     * @throws IllegalArgumentException for an encoder, an empty prompt, an id outside the vocabulary, or a prompt
     *                                  that with {@code maxNewTokens} would exceed the model's positions
     */
    public static List<Generated> greedy(Backbone model, List<long[]> promptIds, int maxNewTokens, Set<Long> stopIds) {
        ArchConfig config = model.config();
        if (!config.causal()) {
            throw new IllegalArgumentException(config.modelType() + " is an encoder: it does not generate text");
        }
        if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens must be 0 or more, not " + maxNewTokens);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < promptIds.size(); i++) {
            long[] prompt = promptIds.get(i);
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty: there is nothing to continue");
            }
            for (long id : prompt) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("prompt " + i + " has token id " + id + ", outside the"
                            + " vocabulary of " + config.vocabSize());
                }
            }
            if ((long) prompt.length + maxNewTokens > config.maxPositions()) {
                String field = config.modelType().equals("gpt2") ? "n_positions" : "max_position_embeddings";
                throw new IllegalArgumentException("prompt " + i + " has " + prompt.length + " tokens; with "
                        + maxNewTokens + " new tokens that is " + (prompt.length + maxNewTokens) + ", beyond the "
                        + config.maxPositions() + " positions of the model (" + field + ")");
            }
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> promptIds.get(i).length));
        Generated[] out = new Generated[promptIds.size()];
        if (maxNewTokens == 0) {
            Arrays.fill(out, new Generated(new long[0], new double[0], false));
            return List.of(out);
        }
        model.lmHead(); // an untied head that was not loaded is refused before any work
        for (int from = 0; from < order.size(); from += MAX_BATCH) {
            decode(model, promptIds, order.subList(from, Math.min(order.size(), from + MAX_BATCH)), maxNewTokens,
                    stopIds, out);
        }
        return List.of(out);
    }

    /**
     * Prefill then one token per step, for a batch of prompts padded on the left (with token 0, which attention never
     * reads); results into {@code out} at the prompts' indices.
     */
    private static void decode(Backbone model, List<long[]> prompts, List<Integer> rows, int maxNewTokens,
                               Set<Long> stopIds, Generated[] out) {
        int b = rows.size(), length = 0;
        for (int i : rows) length = Math.max(length, prompts.get(i).length);
        long[] flat = new long[b * length], padding = new long[b];
        for (int r = 0; r < b; r++) {
            long[] prompt = prompts.get(rows.get(r));
            padding[r] = length - prompt.length;
            System.arraycopy(prompt, 0, flat, r * length + (int) padding[r], prompt.length);
        }
        long[][] ids = new long[b][maxNewTokens];
        double[][] logProbs = new double[b][maxNewTokens];
        int[] count = new int[b];
        boolean[] stopped = new boolean[b], done = new boolean[b];
        int remaining = b;
        try (Torch.Mode noGrad = Torch.noGrad(); Scope scope = Scope.open();
             KvCache cache = new KvCache(model.config().layers(), (long) length + maxNewTokens, padding)) {
            Tensor input = Tensor.of(null, flat, b, length);
            for (int step = 0; step < maxNewTokens && remaining > 0; step++) {
                try (Scope stepScope = Scope.open()) {
                    Tensor hidden = model.forward(model.wordVectors(input), cache);
                    Tensor logProb = model.logits(hidden.select(1, hidden.size(1) - 1)).logSoftmax(-1);
                    Tensor next = logProb.argmax(-1).reshape(b, 1);
                    long[] token = next.toLongArray();
                    float[] p = logProb.gather(1, next).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        if (done[r]) continue;
                        if (stopIds.contains(token[r])) {
                            stopped[r] = done[r] = true;
                        } else {
                            ids[r][count[r]] = token[r];
                            logProbs[r][count[r]++] = p[r];
                            done[r] = count[r] == maxNewTokens;
                        }
                        if (done[r]) remaining--;
                    }
                    input = stepScope.keep(next);
                }
            }
        }
        for (int r = 0; r < b; r++) {
            out[rows.get(r)] = new Generated(Arrays.copyOf(ids[r], count[r]), Arrays.copyOf(logProbs[r], count[r]),
                    stopped[r]);
        }
    }
}
