package w2s.model.arch;

import w2s.torch.Scope;
import w2s.torch.Tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import w2s.finetune.FineTuneConfig;
import w2s.finetune.FineTuner;
import w2s.model.Pooling;
import w2s.train.Losses;

/**
 * GPT-2 against an independent PyTorch reference (scripts/reference/gpt2.py) on a tiny random-weight checkpoint in
 * the Hugging Face layout: src/test/resources/tiny/gpt2 (F32) and tiny/gpt2-half (the same weights in F16 and BF16).
 */
class Gpt2Test {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(Gpt2Test.class.getResource("/tiny/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture tiny/" + name + " not found", e);
        }
    }

    static JsonNode expected(String name) throws Exception {
        return new ObjectMapper().readTree(fixture(name).resolve("expected.json").toFile());
    }

    /** Every layer's hidden states of the expected batch, as [layer][row][position][h]. */
    static float[][][][] hiddenStates(Checkpoint checkpoint, JsonNode expected) {
        JsonNode ids = expected.get("ids"), mask = expected.get("mask");
        int size = ids.size(), length = ids.get(0).size();
        long[] flatIds = new long[size * length];
        float[] flatMask = new float[size * length];
        for (int b = 0; b < size; b++) {
            for (int t = 0; t < length; t++) {
                flatIds[b * length + t] = ids.get(b).get(t).asLong();
                flatMask[b * length + t] = (float) mask.get(b).get(t).asDouble();
            }
        }
        try (Scope scope = Scope.open()) {
            Backbone model = checkpoint.backbone(Weights.fp32(null));
            boolean padded = false;
            for (float m : flatMask) padded |= m == 0;
            Batch batch = new Batch(Tensor.of(null, flatIds, size, length), Tensor.of(null, new long[size * length], size,
                    length), Tensor.of(null, flatMask, size, length), padded);
            List<Tensor> states = model.forward(model.wordVectors(batch.ids()), batch, true);
            int hidden = checkpoint.config().hidden();
            float[][][][] out = new float[states.size()][size][length][hidden];
            for (int l = 0; l < states.size(); l++) {
                float[] v = states.get(l).toFloatArray();
                for (int b = 0; b < size; b++) {
                    for (int t = 0; t < length; t++) System.arraycopy(v, (b * length + t) * hidden, out[l][b][t], 0, hidden);
                }
            }
            return out;
        }
    }

    /** Max |actual − expected| per layer over the real (mask 1) or the padded (mask 0) positions. */
    static double[] maxDiff(float[][][][] actual, JsonNode expected, boolean real) {
        JsonNode states = expected.get("hidden_states"), mask = expected.get("mask");
        double[] diff = new double[states.size()];
        for (int l = 0; l < states.size(); l++) {
            for (int b = 0; b < mask.size(); b++) {
                for (int t = 0; t < mask.get(b).size(); t++) {
                    if ((mask.get(b).get(t).asDouble() > 0) != real) continue;
                    JsonNode e = states.get(l).get(b).get(t);
                    for (int h = 0; h < e.size(); h++) {
                        diff[l] = Math.max(diff[l], Math.abs(actual[l][b][t][h] - e.get(h).asDouble()));
                    }
                }
            }
        }
        return diff;
    }

    static String show(double[] diff) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < diff.length; l++) s.append(String.format(Locale.ROOT, " layer %d: %.2e", l, diff[l]));
        return s.toString();
    }

    @Test
    void everyLayerMatchesTheReference() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        assertEquals("gpt2", checkpoint.config().modelType());
        assertTrue(checkpoint.config().causal());
        JsonNode expected = expected("gpt2");
        float[][][][] actual = hiddenStates(checkpoint, expected);
        assertEquals(checkpoint.config().layers() + 1, actual.length, "layers 0 … L");
        double[] real = maxDiff(actual, expected, true);
        System.out.println("gpt2 fp32, real tokens, max |diff|:" + show(real));
        for (int l = 0; l < real.length; l++) assertTrue(real[l] < 1e-4, "layer " + l + ":" + show(real));
        // Under right padding the key padding mask changes only the padded positions: they match Hugging Face too.
        double[] padded = maxDiff(actual, expected, false);
        System.out.println("gpt2 fp32, padded positions, max |diff|:" + show(padded));
        for (int l = 0; l < padded.length; l++) assertTrue(padded[l] < 1e-4, "padded, layer " + l + ":" + show(padded));
    }

    @Test
    void halfPrecisionWeightsDecodeToTheSameModel() throws Exception {
        Checkpoint half = Checkpoint.fromHuggingFace(fixture("gpt2-half"));
        float[][][][] actual = hiddenStates(half, expected("gpt2-half"));
        // Exactly the reference run on the F16/BF16-rounded weights ...
        double[] exact = maxDiff(actual, expected("gpt2-half"), true);
        System.out.println("gpt2 F16/BF16 weights, real tokens, max |diff|:" + show(exact));
        for (int l = 0; l < exact.length; l++) assertTrue(exact[l] < 1e-4, "layer " + l + ":" + show(exact));
        // ... and close to the fp32 model, within what rounding the weights to 8 (BF16) or 11 (F16) bits allows.
        JsonNode fp32 = expected("gpt2");
        double[] rounding = maxDiff(actual, fp32, true);
        System.out.println("gpt2 F16/BF16 weights against fp32 outputs, max |diff|:" + show(rounding));
        for (int l = 0; l < rounding.length; l++) {
            double scale = 0;
            for (JsonNode row : fp32.get("hidden_states").get(l)) {
                for (JsonNode tok : row) for (JsonNode v : tok) scale = Math.max(scale, Math.abs(v.asDouble()));
            }
            assertTrue(rounding[l] < 0.05 * scale, "layer " + l + ": " + rounding[l] + " of " + scale);
        }
    }

    @Test
    void exactGeluMatchesTheReference() throws Exception {
        Path src = fixture("gpt2");
        copyFixture(t -> {}, Files.readString(src.resolve("config.json")).replace("\"gelu_new\"", "\"gelu\""));
        Checkpoint exact = Checkpoint.fromHuggingFace(dir);
        assertEquals(Gpt2.Config.Gelu.EXACT, ((Gpt2.Config) exact.config()).gelu());
        JsonNode expected = expected("gpt2");
        float[][][][] actual = hiddenStates(exact, expected);
        float[][][] last = actual[actual.length - 1];
        JsonNode want = expected.get("exact_gelu_last_hidden_state"), mask = expected.get("mask");
        double diff = 0;
        for (int b = 0; b < mask.size(); b++) {
            for (int t = 0; t < mask.get(b).size(); t++) {
                if (mask.get(b).get(t).asDouble() == 0) continue;
                for (int h = 0; h < last[b][t].length; h++) {
                    diff = Math.max(diff, Math.abs(last[b][t][h] - want.get(b).get(t).get(h).asDouble()));
                }
            }
        }
        System.out.println("gpt2 exact gelu, layer L, max |diff|: " + diff);
        assertTrue(diff < 1e-4, "max |diff| " + diff);
    }

    @Test
    void byteLevelBpeGivesTheReferenceIds() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        JsonNode expected = expected("gpt2");
        List<String> texts = new ArrayList<>();
        expected.get("texts").forEach(t -> texts.add(t.asText()));
        Tokens.Encoded[] encoded = Tokens.encode(checkpoint.tokenizer(), 64, texts);
        for (int i = 0; i < texts.size(); i++) {
            JsonNode ids = expected.get("text_ids").get(i);
            long[] want = new long[ids.size()];
            for (int j = 0; j < want.length; j++) want[j] = ids.get(j).asLong();
            assertArrayEquals(want, encoded[i].ids(), "'" + texts.get(i) + "'");
        }
    }

    @Test
    void fineTuningOnLastTokenLowersTheLoss() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        List<String> texts = List.of("the cat sat on the mat", "a fine and happy day", "it was good", "she is glad",
                "the dog bit the man", "an awful and sad day", "it was bad", "he is cross");
        double[][] labels = new double[texts.size()][];
        for (int i = 0; i < labels.length; i++) labels[i] = i < 4 ? new double[] {0, 1} : new double[] {1, 0};
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, texts);
        int[] batch = {0, 1, 2, 3, 4, 5, 6, 7};
        List<Double> losses = new ArrayList<>();
        try (FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults().withPooling(Pooling.LAST)
                .withMinibatch(4))) {
            for (int step = 0; step < 6; step++) {
                losses.add(tuner.step(rows, labels, batch, Losses.get("xent"), 0, 1e-3, 0, step));
            }
        }
        System.out.println("gpt2 fine-tuning losses: " + losses);
        assertEquals(Math.log(2), losses.get(0), 1e-6, "the zero head starts at chance");
        for (double l : losses) assertTrue(Double.isFinite(l), losses.toString());
        assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 0.05, losses.toString());
    }

    @Test
    void parametersKeepTheCheckpointNamesAndBlocks() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        try (Scope scope = Scope.open()) {
            Backbone model = checkpoint.backbone(Weights.fp32(null));
            Map<String, Tensor> p = model.parameters();
            assertEquals(checkpoint.config().shapes().keySet(), p.keySet());
            assertArrayEquals(new long[] {144, 48}, p.get("h.0.attn.c_attn.weight").shape(), "Conv1D in Linear layout");
            assertEquals(0, model.blockOf("wte.weight"));
            assertEquals(0, model.blockOf("wpe.weight"));
            assertEquals(1, model.blockOf("h.0.ln_1.weight"));
            assertEquals(3, model.blockOf("h.2.mlp.c_proj.bias"));
            assertEquals(4, model.blockOf("ln_f.bias"));
            assertEquals(64, checkpoint.config().maxPositions());
            long[] ids = new long[65];
            float[] ones = new float[65];
            java.util.Arrays.fill(ones, 1f);
            Batch tooLong = new Batch(Tensor.of(null, ids, 1, 65), Tensor.of(null, ids, 1, 65), Tensor.of(null, ones, 1, 65),
                    false);
            var e = assertThrows(IllegalArgumentException.class, () -> model.lastHidden(tooLong));
            assertTrue(e.getMessage().contains("65 tokens exceed") && e.getMessage().contains("64"), e.getMessage());
        }
    }

    /** The fixture's folder in {@link #dir}, its tensors (stored names) edited, its config.json replaced if given. */
    private void copyFixture(java.util.function.Consumer<Map<String, StoredTensor>> edit, String config) throws Exception {
        Path src = fixture("gpt2");
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(src.resolve("model.safetensors")));
        edit.accept(tensors);
        Safetensors.write(dir.resolve("model.safetensors"), tensors);
        Files.copy(src.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("config.json"), config != null ? config : Files.readString(src.resolve("config.json")));
    }

    @Test
    void loadsWithoutThePrefixAndBuffers() throws Exception {
        copyFixture(t -> {
            Map<String, StoredTensor> bare = new LinkedHashMap<>();
            t.forEach((name, v) -> {
                if (!name.endsWith(".attn.bias")) bare.put(name.substring("transformer.".length()), v);
            });
            t.clear();
            t.putAll(bare);
        }, null);
        Checkpoint bare = Checkpoint.fromHuggingFace(dir);
        double[] diff = maxDiff(hiddenStates(bare, expected("gpt2")), expected("gpt2"), true);
        for (double d : diff) assertTrue(d < 1e-4, show(diff));
    }

    @Test
    void namesTheFileAndTheMissingTensor() throws Exception {
        copyFixture(t -> t.remove("transformer.h.1.mlp.c_fc.bias"), null);
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString())
                && e.getMessage().contains("'h.1.mlp.c_fc.bias' is missing"), e.getMessage());
    }

    @Test
    void namesTheTensorWithTheWrongShape() throws Exception {
        // A Conv1D weight saved in the Linear layout [out, in]
        copyFixture(t -> t.put("transformer.h.0.attn.c_attn.weight", t.get("transformer.h.0.attn.c_attn.weight")
                .transposed()), null);
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString())
                && e.getMessage().contains("'h.0.attn.c_attn.weight' has shape [144, 48] but the config needs [48, 144]"),
                e.getMessage());
    }

    @Test
    void refusesWhatItDoesNotImplement() throws Exception {
        String config = Files.readString(fixture("gpt2").resolve("config.json"));
        String[][] cases = {
                {"\"gelu_new\"", "\"relu\"", "activation_function 'relu' is not supported"},
                {"\"scale_attn_by_inverse_layer_idx\": false", "\"scale_attn_by_inverse_layer_idx\": true",
                        "scale_attn_by_inverse_layer_idx = true is not supported"},
                {"\"reorder_and_upcast_attn\": false", "\"reorder_and_upcast_attn\": true",
                        "reorder_and_upcast_attn = true is not supported"},
                {"\"n_head\": 4", "\"n_head\": 4, \"add_cross_attention\": true",
                        "add_cross_attention = true is not supported"},
        };
        for (String[] c : cases) {
            assertTrue(config.contains(c[0]), c[0]);
            copyFixture(t -> {}, config.replace(c[0], c[1]));
            var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
            assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()) && e.getMessage().contains(c[2]),
                    e.getMessage());
            for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) Files.delete(dir.resolve(f));
        }
    }
}
