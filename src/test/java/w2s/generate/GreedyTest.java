package w2s.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.KvCache;
import w2s.model.arch.Weights;
import w2s.model.source.Pretrained;
import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * Greedy decoding against an independent reference (scripts/reference/generate.py: plain torch, no cache, the whole
 * sequence through the model at every step) on every tiny decoder fixture, and the cached forward pass against the
 * uncached one.
 */
class GreedyTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final List<String> FIXTURES = List.of("gpt2", "pythia", "pythia-sequential", "llama-gqa", "llama-bias",
            "qwen2");

    record Expected(int maxNew, List<long[]> prompts, List<long[]> generated, List<double[]> logProbs,
                    List<double[]> logits) {}

    static Expected expected(String fixture) throws Exception {
        JsonNode json = new ObjectMapper().readTree(TINY.resolve(fixture).resolve("generate.json").toFile());
        return new Expected(json.get("max_new_tokens").asInt(), longs(json.get("prompts")), longs(json.get("generated")),
                doubles(json.get("token_log_probs")), doubles(json.get("last_prompt_logits")));
    }

    static List<long[]> longs(JsonNode rows) {
        List<long[]> out = new ArrayList<>();
        for (JsonNode row : rows) {
            long[] a = new long[row.size()];
            for (int i = 0; i < a.length; i++) a[i] = row.get(i).asLong();
            out.add(a);
        }
        return out;
    }

    static List<double[]> doubles(JsonNode rows) {
        List<double[]> out = new ArrayList<>();
        for (JsonNode row : rows) {
            double[] a = new double[row.size()];
            for (int i = 0; i < a.length; i++) a[i] = row.get(i).asDouble();
            out.add(a);
        }
        return out;
    }

    static Backbone languageModel(String fixture, Dtype dtype) throws Exception {
        return Checkpoint.fromHuggingFace(TINY.resolve(fixture)).languageModel(new Weights(null, dtype, Device.CPU));
    }

    static double maxDiff(double[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    /** One unpadded row. */
    static Batch batch(long[] ids) {
        float[] ones = new float[ids.length];
        Arrays.fill(ones, 1f);
        return new Batch(Tensor.of(null, ids, 1, ids.length), Tensor.of(null, new long[ids.length], 1, ids.length),
                Tensor.of(null, ones, 1, ids.length), false);
    }

    /** Next-token logits after {@code ids} from the full forward pass (no cache). */
    static float[] uncachedLogits(Backbone model, long[] ids) {
        try (Torch.Mode off = Torch.noGrad(); Scope scope = Scope.open()) {
            Tensor last = model.lastHidden(batch(ids));
            return model.logits(last.select(1, ids.length - 1)).toFloatArray();
        }
    }

    @Test
    void matchesTheUncachedReferenceOnEveryFixture() throws Exception {
        for (String fixture : FIXTURES) {
            Expected e = expected(fixture);
            try (Scope scope = Scope.open()) {
                Backbone model = languageModel(fixture, Dtype.FP32);
                List<Greedy.Generated> out = Greedy.greedy(model, e.prompts(), e.maxNew(), Set.of());
                double logProbDiff = 0, logitDiff = 0;
                for (int i = 0; i < e.prompts().size(); i++) {
                    Greedy.Generated g = out.get(i);
                    assertArrayEquals(e.generated().get(i), g.ids(), fixture + ", prompt " + i);
                    assertFalse(g.stopped());
                    for (int t = 0; t < g.ids().length; t++) {
                        logProbDiff = Math.max(logProbDiff, Math.abs(g.tokenLogProbs()[t] - e.logProbs().get(i)[t]));
                    }
                    logitDiff = Math.max(logitDiff, maxDiff(e.logits().get(i), uncachedLogits(model,
                            e.prompts().get(i))));
                }
                System.out.printf("%s: ids equal; max |diff| log-probs %.2e, last prompt logits %.2e%n", fixture,
                        logProbDiff, logitDiff);
                assertTrue(logProbDiff < 1e-4, fixture + ": log-probs " + logProbDiff);
                assertTrue(logitDiff < 1e-4, fixture + ": logits " + logitDiff);
            }
        }
    }

    /**
     * Feeding a sequence through the cache in pieces (a prompt of 5, a chunk of 3, then one token at a time) gives
     * the full forward pass's last-layer states at every position: positions offset by the cache, causal attention
     * across the past and within a chunk.
     */
    @Test
    void cachedForwardEqualsTheFullForward() throws Exception {
        for (String fixture : FIXTURES) {
            Expected e = expected(fixture);
            long[] ids = new long[e.prompts().get(2).length + e.maxNew()];
            System.arraycopy(e.prompts().get(2), 0, ids, 0, e.prompts().get(2).length);
            System.arraycopy(e.generated().get(2), 0, ids, e.prompts().get(2).length, e.maxNew());
            try (Torch.Mode off = Torch.noGrad(); Scope scope = Scope.open()) {
                Backbone model = languageModel(fixture, Dtype.FP32);
                KvCache cache = new KvCache(model.config().layers(), ids.length);
                float[] full = model.lastHidden(batch(ids)).toFloatArray();
                int hidden = model.config().hidden();
                double diff = 0;
                int at = 0;
                for (int piece : pieces(ids.length)) {
                    long[] chunk = Arrays.copyOfRange(ids, at, at + piece);
                    assertEquals(at, cache.length());
                    float[] h = model.forward(model.wordVectors(Tensor.of(null, chunk, 1, piece)), cache).toFloatArray();
                    for (int i = 0; i < h.length; i++) diff = Math.max(diff, Math.abs(h[i] - full[at * hidden + i]));
                    at += piece;
                }
                cache.close();
                System.out.printf("%s: cached vs full forward, max |diff| %.2e%n", fixture, diff);
                assertTrue(diff < 1e-5, fixture + ": " + diff);
            }
        }
    }

    static List<Integer> pieces(int length) {
        List<Integer> p = new ArrayList<>(List.of(5, 3));
        for (int n = 8; n < length; n++) p.add(1);
        return p;
    }

    /** Greedy with the cache equals greedy by full forward passes, whatever the order of the prompts. */
    @Test
    void cachedDecodingEqualsUncachedDecoding() throws Exception {
        for (String fixture : FIXTURES) {
            Expected e = expected(fixture);
            List<long[]> reversed = new ArrayList<>(e.prompts());
            java.util.Collections.reverse(reversed);
            try (Scope scope = Scope.open()) {
                Backbone model = languageModel(fixture, Dtype.FP32);
                List<Greedy.Generated> out = Greedy.greedy(model, reversed, e.maxNew(), Set.of());
                for (int i = 0; i < reversed.size(); i++) {
                    long[] seq = reversed.get(i);
                    long[] generated = new long[e.maxNew()];
                    for (int t = 0; t < e.maxNew(); t++) {
                        float[] logits = uncachedLogits(model, seq);
                        int best = 0;
                        for (int v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
                        generated[t] = best;
                        seq = Arrays.copyOf(seq, seq.length + 1);
                        seq[seq.length - 1] = best;
                    }
                    assertArrayEquals(generated, out.get(i).ids(), fixture + ", prompt " + i);
                }
            }
        }
    }

    /** A stop token ends a continuation and is not part of it; the other prompts of its batch go on. */
    @Test
    void aStopTokenEndsTheContinuation() throws Exception {
        Expected e = expected("pythia");
        long[] first = e.generated().get(0);
        int k = 1;
        while (contains(first, k, first[k])) k++; // the first token not seen before it
        long stop = first[k];
        try (Scope scope = Scope.open()) {
            List<Greedy.Generated> out = Greedy.greedy(languageModel("pythia", Dtype.FP32), e.prompts(), e.maxNew(),
                    Set.of(stop));
            Greedy.Generated g = out.get(0);
            assertTrue(g.stopped());
            assertArrayEquals(Arrays.copyOf(first, k), g.ids());
            assertEquals(k, g.tokenLogProbs().length);
            assertEquals(Arrays.stream(e.logProbs().get(0), 0, k).sum(), g.logProb(), 1e-4);
            for (int i = 1; i < out.size(); i++) {
                long[] want = e.generated().get(i);
                int end = 0;
                while (end < want.length && want[end] != stop) end++;
                assertArrayEquals(Arrays.copyOf(want, end), out.get(i).ids(), "prompt " + i);
                assertEquals(end < want.length, out.get(i).stopped());
            }
        }
    }

    private static boolean contains(long[] a, int before, long v) {
        for (int i = 0; i < before; i++) if (a[i] == v) return true;
        return false;
    }

    /** bf16 weights and activations: logits and log-probs still come out in fp32, close to the fp32 reference. */
    @Test
    void decodesInBf16() throws Exception {
        Expected e = expected("qwen2"); // stored in BF16: the weights are exactly the reference's
        try (Scope scope = Scope.open()) {
            Backbone model = languageModel("qwen2", Dtype.BF16);
            assertEquals(Dtype.BF16, model.wordEmbeddings().dtype());
            List<Greedy.Generated> out = Greedy.greedy(model, e.prompts(), e.maxNew(), Set.of());
            for (int i = 0; i < out.size(); i++) {
                Greedy.Generated g = out.get(i);
                assertEquals(e.maxNew(), g.ids().length);
                for (double p : g.tokenLogProbs()) assertTrue(p <= 0 && Double.isFinite(p), String.valueOf(p));
                assertEquals(e.generated().get(i)[0], g.ids()[0], "the first token (top-2 margin > 0.25)");
                double scale = Arrays.stream(e.logits().get(i)).map(Math::abs).max().orElseThrow();
                double diff = maxDiff(e.logits().get(i), uncachedLogits(model, e.prompts().get(i)));
                System.out.printf("qwen2 bf16, prompt %d: max |diff| of logits %.3f of %.3f%n", i, diff, scale);
                assertTrue(diff < 0.05 * scale, diff + " of " + scale);
            }
        }
    }

    @Test
    void anEncoderIsRefused() {
        Checkpoint minilm = Pretrained.get("minilm-l6").checkpoint();
        try (Scope scope = Scope.open()) {
            Backbone encoder = minilm.backbone(Weights.fp32(null));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Greedy.greedy(encoder, List.of(new long[] {101, 2023}), 4, Set.of()));
            assertTrue(e.getMessage().contains("encoder"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> minilm.languageModel(Weights.fp32(null)));
            assertTrue(e2.getMessage().contains(minilm.origin()) && e2.getMessage().contains("encoder"),
                    e2.getMessage());
        }
    }

    /** A decoder built without its untied head (Checkpoint.backbone) cannot generate; nothing runs. */
    @Test
    void aDecoderWithoutItsHeadIsRefused() throws Exception {
        try (Scope scope = Scope.open()) {
            Backbone plain = Checkpoint.fromHuggingFace(TINY.resolve("llama-gqa")).backbone(Weights.fp32(null));
            var e = assertThrows(IllegalStateException.class,
                    () -> Greedy.greedy(plain, List.of(new long[] {1, 2, 3}), 4, Set.of()));
            assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
        }
    }

    @Test
    void promptsBeyondThePositionsAreRefused() throws Exception {
        try (Scope scope = Scope.open()) {
            Backbone gpt2 = languageModel("gpt2", Dtype.FP32); // n_positions 64
            Greedy.greedy(gpt2, List.of(new long[52]), 12, Set.of()); // 64 exactly: fine
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Greedy.greedy(gpt2, List.of(new long[] {1}, new long[53]), 12, Set.of()));
            assertTrue(e.getMessage().contains("prompt 1 has 53 tokens") && e.getMessage().contains("65")
                    && e.getMessage().contains("64 positions") && e.getMessage().contains("n_positions"),
                    e.getMessage());
            Backbone llama = languageModel("llama-gqa", Dtype.FP32); // max_position_embeddings 256
            var e2 = assertThrows(IllegalArgumentException.class,
                    () -> Greedy.greedy(llama, List.of(new long[250]), 7, Set.of()));
            assertTrue(e2.getMessage().contains("256 positions") && e2.getMessage().contains("max_position_embeddings"),
                    e2.getMessage());
            var e3 = assertThrows(IllegalArgumentException.class,
                    () -> Greedy.greedy(llama, List.of(new long[0]), 7, Set.of()));
            assertTrue(e3.getMessage().contains("empty"), e3.getMessage());
            var e4 = assertThrows(IllegalArgumentException.class,
                    () -> Greedy.greedy(llama, List.of(new long[] {300}), 7, Set.of()));
            assertTrue(e4.getMessage().contains("token id 300"), e4.getMessage());
        }
    }
}
