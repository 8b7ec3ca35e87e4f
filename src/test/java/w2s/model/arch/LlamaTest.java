package w2s.model.arch;

import w2s.torch.Scope;
import w2s.torch.Tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import w2s.finetune.FineTuneConfig;
import w2s.finetune.FineTuner;
import w2s.model.Pooling;
import w2s.train.Losses;

/**
 * Llama, Mistral and Qwen2 against an independent PyTorch reference (scripts/reference/rotary.py) on tiny
 * random-weight checkpoints: every layer's hidden states at real-token positions.
 */
class LlamaTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    // --- helpers shared with GptNeoXTest -------------------------------------------------------------------------

    /** The largest |Java − reference| over every layer 0 … L at real-token positions of the fixture's batch. */
    static double maxDifference(Checkpoint checkpoint, Path fixture) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(Files.readString(fixture.resolve("expected.json")));
        JsonNode idsJson = expected.get("ids"), maskJson = expected.get("mask"), hidden = expected.get("hidden_states");
        int b = idsJson.size(), t = idsJson.get(0).size(), layers = checkpoint.config().layers();
        int h = checkpoint.config().hidden();
        assertEquals(layers + 1, hidden.size(), "reference layers");
        long[] ids = new long[b * t];
        float[] mask = new float[b * t];
        for (int r = 0; r < b; r++) {
            for (int c = 0; c < t; c++) {
                ids[r * t + c] = idsJson.get(r).get(c).asLong();
                mask[r * t + c] = (float) maskJson.get(r).get(c).asDouble();
            }
        }
        double worst = 0;
        try (Scope scope = Scope.open()) {
            Backbone model = checkpoint.backbone(Weights.fp32(null));
            boolean padded = false;
            for (float m : mask) padded |= m == 0;
            Batch batch = new Batch(Tensor.of(null, ids, b, t), Tensor.of(null, new long[b * t], b, t),
                    Tensor.of(null, mask, b, t), padded);
            List<Tensor> states = model.forward(model.wordVectors(batch.ids()), batch, true);
            assertEquals(layers + 1, states.size(), "layers returned");
            assertArrayEquals(new long[] {b, t, h}, states.get(layers).shape());
            // layer L alone is the same as the last of all layers
            float[] last = model.forward(model.wordVectors(batch.ids()), batch, false).get(0).toFloatArray();
            float[] lastAll = states.get(layers).toFloatArray();
            for (int i = 0; i < last.length; i++) assertEquals(lastAll[i], last[i], 1e-6);
            for (int l = 0; l <= layers; l++) {
                float[] got = states.get(l).toFloatArray();
                for (int r = 0; r < b; r++) {
                    for (int c = 0; c < t; c++) {
                        if (mask[r * t + c] == 0) continue;
                        JsonNode want = hidden.get(l).get(r).get(c);
                        for (int k = 0; k < h; k++) {
                            worst = Math.max(worst, Math.abs(got[(r * t + c) * h + k] - want.get(k).asDouble()));
                        }
                    }
                }
            }
        }
        return worst;
    }

    /** Loss over a few FineTuner steps with last-token pooling on 8 short texts, first and last. */
    static double[] fineTuneLosses(Checkpoint checkpoint) {
        List<String> texts = List.of("the cat sat on the mat", "a lovely warm day", "she was there and then",
                "rain on the window", "awful noise in the street", "the answer is yes", "what a bad idea",
                "in the end it was fine");
        double[][] labels = new double[texts.size()][];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 2 == 0 ? new double[] {1, 0} : new double[] {0, 1};
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, texts);
        int[] batch = {0, 1, 2, 3, 4, 5, 6, 7};
        double first = Double.NaN, last = Double.NaN;
        try (FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults().withPooling(Pooling.LAST)
                .withMinibatch(4))) {
            for (int step = 0; step < 8; step++) {
                double loss = tuner.step(rows, labels, batch, Losses.get("xent"), step / 8.0, 1e-3, 0, step);
                assertTrue(Double.isFinite(loss), "loss at step " + step);
                if (step == 0) first = loss;
                last = loss;
            }
        }
        return new double[] {first, last};
    }

    /** A copy of a fixture folder, to break. */
    static Path copy(Path fixture, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    static void editConfig(Path folder, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(Files.readString(folder.resolve("config.json")));
        edit.accept(config);
        Files.writeString(folder.resolve("config.json"), mapper.writeValueAsString(config));
    }

    static IllegalArgumentException refused(Path folder) {
        return assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
    }

    // --- hidden states -------------------------------------------------------------------------------------------

    /** Llama with 4 heads / 2 kv heads, explicit head_dim, llama3 rope_scaling; stored as 2 shards. */
    @Test
    void llamaGqaMatchesTheReferenceAtEveryLayer() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve("llama-gqa"));
        Llama.Config config = (Llama.Config) checkpoint.config();
        assertEquals(2, config.kvHeads());
        assertEquals(16, config.headDim());
        assertTrue(config.ropeScaling() != null);
        assertTrue(checkpoint.origin().endsWith("model.safetensors.index.json"), checkpoint.origin());
        double diff = maxDifference(checkpoint, TINY.resolve("llama-gqa"));
        System.out.printf("llama-gqa (sharded): max |diff| %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max |diff| " + diff);
    }

    /** Qwen2 with q/k/v biases, 1 kv head, tied embeddings; stored in BF16 (the reference uses the same values). */
    @Test
    void qwen2Bf16MatchesTheReferenceAtEveryLayer() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve("qwen2"));
        Llama.Config config = (Llama.Config) checkpoint.config();
        assertTrue(config.qkvBias());
        assertTrue(!config.outputBias());
        double diff = maxDifference(checkpoint, TINY.resolve("qwen2"));
        System.out.printf("qwen2 (bf16): max |diff| %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max |diff| " + diff);
    }

    /** Llama with attention_bias true (q, k, v and o biases), as many kv heads as heads, default rotary. */
    @Test
    void llamaWithAttentionBiasMatchesTheReference() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve("llama-bias"));
        Llama.Config config = (Llama.Config) checkpoint.config();
        assertTrue(config.qkvBias() && config.outputBias());
        assertEquals(config.heads(), config.kvHeads());
        double diff = maxDifference(checkpoint, TINY.resolve("llama-bias"));
        System.out.printf("llama-bias: max |diff| %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max |diff| " + diff);
    }

    /** Newer transformers write rope_theta and the scaling rule together as rope_parameters. */
    @Test
    void ropeParametersAreReadLikeRopeThetaAndRopeScaling() throws Exception {
        Path folder = copy(TINY.resolve("llama-gqa"), dir.resolve("v5"));
        editConfig(folder, c -> {
            ObjectNode rope = ((ObjectNode) c.remove("rope_scaling")).deepCopy();
            rope.set("rope_theta", c.remove("rope_theta"));
            c.set("rope_parameters", rope);
        });
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(folder);
        assertEquals(Checkpoint.fromHuggingFace(TINY.resolve("llama-gqa")).config(), checkpoint.config());
        assertTrue(maxDifference(checkpoint, folder) < TOLERANCE);
    }

    /** The fixture is sensitive to the llama3 rule: without it the states move far beyond the tolerance. */
    @Test
    void withoutLlama3ScalingTheStatesDiffer() throws Exception {
        Checkpoint good = Checkpoint.fromHuggingFace(TINY.resolve("llama-gqa"));
        Llama.Config c = (Llama.Config) good.config();
        Llama.Config unscaled = new Llama.Config(c.modelType(), c.vocabSize(), c.hidden(), c.layers(), c.heads(),
                c.kvHeads(), c.headDim(), c.intermediate(), c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), null,
                c.qkvBias(), c.outputBias(), c.slidingWindow(), c.tiedLmHead());
        Checkpoint wrong = new Checkpoint(good.origin(), unscaled, good.tensors(), good.tokenizer());
        assertTrue(maxDifference(wrong, TINY.resolve("llama-gqa")) > 100 * TOLERANCE);
    }

    /** Mistral is Llama without biases; its sliding window is not implemented, so longer inputs are refused. */
    @Test
    void mistralReadsAsLlamaAndRefusesInputsLongerThanItsWindow() throws Exception {
        Path folder = copy(TINY.resolve("llama-gqa"), dir.resolve("mistral"));
        editConfig(folder, c -> c.put("model_type", "mistral").put("sliding_window", 4096));
        assertTrue(maxDifference(Checkpoint.fromHuggingFace(folder), folder) < TOLERANCE);
        editConfig(folder, c -> c.put("sliding_window", 8));
        Checkpoint windowed = Checkpoint.fromHuggingFace(folder);
        var e = assertThrows(IllegalArgumentException.class, () -> maxDifference(windowed, folder));
        assertTrue(e.getMessage().contains("sliding_window of 8"), e.getMessage());
    }

    // --- training ------------------------------------------------------------------------------------------------

    @Test
    void fineTuningWithLastTokenPoolingLowersTheLoss() throws Exception {
        for (String fixture : new String[] {"llama-gqa", "qwen2"}) {
            double[] loss = fineTuneLosses(Checkpoint.fromHuggingFace(TINY.resolve(fixture)));
            System.out.printf("%s fine-tuning loss: %.4f -> %.4f%n", fixture, loss[0], loss[1]);
            assertTrue(loss[1] < loss[0] - 0.05, fixture + ": " + loss[0] + " -> " + loss[1]);
        }
    }

    // --- errors --------------------------------------------------------------------------------------------------

    @Test
    void aMissingShardIsNamed() throws Exception {
        Path folder = copy(TINY.resolve("llama-gqa"), dir.resolve("m"));
        Files.delete(folder.resolve("model-00002-of-00002.safetensors"));
        var e = refused(folder);
        assertTrue(e.getMessage().contains("shard 'model-00002-of-00002.safetensors' is missing"), e.getMessage());
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        Path folder = copy(TINY.resolve("qwen2"), dir.resolve("m"));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(folder.resolve("model.safetensors")));
        tensors.remove("model.layers.1.self_attn.k_proj.bias");
        Safetensors.write(folder.resolve("model.safetensors"), tensors);
        var e = refused(folder);
        assertTrue(e.getMessage().contains("tensor 'layers.1.self_attn.k_proj.bias' is missing"), e.getMessage());
    }

    @Test
    void aWrongShapeNamesBothShapes() throws Exception {
        Path folder = copy(TINY.resolve("qwen2"), dir.resolve("m"));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(folder.resolve("model.safetensors")));
        // 4 kv heads' worth of key projection where the config has 1
        tensors.put("model.layers.0.self_attn.k_proj.weight", new StoredTensor(new long[] {64, 64}, new float[64 * 64]));
        Safetensors.write(folder.resolve("model.safetensors"), tensors);
        var e = refused(folder);
        assertTrue(e.getMessage().contains("'layers.0.self_attn.k_proj.weight' has shape [64, 64] but the config"
                + " needs [16, 64]"), e.getMessage());
    }

    @Test
    void unsupportedConfigValuesAreRefusedNamingFileAndField() throws Exception {
        Path folder = copy(TINY.resolve("qwen2"), dir.resolve("m"));
        editConfig(folder, c -> c.put("hidden_act", "gelu"));
        var e = refused(folder);
        assertTrue(e.getMessage().contains("config.json: hidden_act 'gelu' is not supported"), e.getMessage());

        editConfig(folder, c -> c.put("hidden_act", "silu").putObject("rope_scaling").put("rope_type", "yarn")
                .put("factor", 4.0));
        e = refused(folder);
        assertTrue(e.getMessage().contains("config.json: rope_scaling.rope_type 'yarn' is not supported"),
                e.getMessage());

        editConfig(folder, c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 4.0));
        e = refused(folder);
        assertTrue(e.getMessage().contains("needs a number 'low_freq_factor'"), e.getMessage());

        editConfig(folder, c -> c.putNull("rope_scaling").put("num_key_value_heads", 3));
        e = refused(folder);
        assertTrue(e.getMessage().contains("not a multiple of num_key_value_heads 3"), e.getMessage());
    }
}
