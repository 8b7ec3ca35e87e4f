package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static w2s.model.arch.LlamaTest.TINY;
import static w2s.model.arch.LlamaTest.TOLERANCE;
import static w2s.model.arch.LlamaTest.copy;
import static w2s.model.arch.LlamaTest.editConfig;
import static w2s.model.arch.LlamaTest.maxDifference;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-NeoX (Pythia) against an independent PyTorch reference (scripts/reference/rotary.py) on tiny random-weight
 * checkpoints: every layer's hidden states at real-token positions.
 */
class GptNeoXTest {
    @TempDir
    Path dir;

    /** Pythia's shape: rotary on a quarter of each head, parallel residual; the file carries unused buffers. */
    @Test
    void pythiaMatchesTheReferenceAtEveryLayer() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve("pythia"));
        GptNeoX.Config config = (GptNeoX.Config) checkpoint.config();
        assertEquals(4, config.rotaryDims());
        assertTrue(config.parallelResidual());
        java.util.Set<String> read = new java.util.LinkedHashSet<>(config.shapes().keySet());
        read.add("embed_out.weight"); // the untied LM head, kept for Checkpoint.languageModel
        assertEquals(read, checkpoint.tensors().keySet(), "buffers skipped");
        double diff = maxDifference(checkpoint, TINY.resolve("pythia"));
        System.out.printf("pythia: max |diff| %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max |diff| " + diff);
    }

    @Test
    void sequentialResidualMatchesTheReference() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve("pythia-sequential"));
        assertFalse(((GptNeoX.Config) checkpoint.config()).parallelResidual());
        double diff = maxDifference(checkpoint, TINY.resolve("pythia-sequential"));
        System.out.printf("pythia-sequential: max |diff| %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max |diff| " + diff);
    }

    /** The fixture is sensitive to the rotary fraction and the residual form. */
    @Test
    void aWrongRotaryFractionOrResidualFormMovesTheStates() throws Exception {
        Checkpoint good = Checkpoint.fromHuggingFace(TINY.resolve("pythia"));
        GptNeoX.Config c = (GptNeoX.Config) good.config();
        for (GptNeoX.Config wrong : new GptNeoX.Config[] {
                new GptNeoX.Config(c.vocabSize(), c.hidden(), c.layers(), c.heads(), c.intermediate(),
                        c.maxPositions(), c.headSize(), c.rotaryBase(), true, c.layerNormEps(), c.tiedLmHead()),
                new GptNeoX.Config(c.vocabSize(), c.hidden(), c.layers(), c.heads(), c.intermediate(),
                        c.maxPositions(), c.rotaryDims(), c.rotaryBase(), false, c.layerNormEps(), c.tiedLmHead())}) {
            Checkpoint w = new Checkpoint(good.origin(), wrong, good.tensors(), good.tokenizer());
            assertTrue(maxDifference(w, TINY.resolve("pythia")) > 100 * TOLERANCE, wrong.toString());
        }
    }

    @Test
    void fineTuningWithLastTokenPoolingLowersTheLoss() throws Exception {
        double[] loss = LlamaTest.fineTuneLosses(Checkpoint.fromHuggingFace(TINY.resolve("pythia")));
        System.out.printf("pythia fine-tuning loss: %.4f -> %.4f%n", loss[0], loss[1]);
        assertTrue(loss[1] < loss[0] - 0.05, loss[0] + " -> " + loss[1]);
    }

    @Test
    void aMissingTensorAndAWrongShapeAreNamed() throws Exception {
        Path folder = copy(TINY.resolve("pythia-sequential"), dir.resolve("m"));
        Map<String, StoredTensor> stored = Safetensors.read(folder.resolve("model.safetensors"));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(stored);
        tensors.remove("gpt_neox.layers.1.mlp.dense_4h_to_h.bias");
        Safetensors.write(folder.resolve("model.safetensors"), tensors);
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
        assertTrue(e.getMessage().contains("tensor 'layers.1.mlp.dense_4h_to_h.bias' is missing"), e.getMessage());

        tensors = new LinkedHashMap<>(stored);
        // 48 rows where the fused query-key-value projection needs 3 × hidden = 192
        tensors.put("gpt_neox.layers.0.attention.query_key_value.weight",
                new StoredTensor(new long[] {48, 64}, new float[48 * 64]));
        Safetensors.write(folder.resolve("model.safetensors"), tensors);
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
        assertTrue(e.getMessage().contains("'layers.0.attention.query_key_value.weight' has shape [48, 64] but the"
                + " config needs [192, 64]"), e.getMessage());
    }

    @Test
    void unsupportedConfigValuesAreRefusedNamingFileAndField() throws Exception {
        Path folder = copy(TINY.resolve("pythia"), dir.resolve("m"));
        editConfig(folder, c -> c.put("hidden_act", "relu"));
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
        assertTrue(e.getMessage().contains("config.json: hidden_act 'relu' is not supported"), e.getMessage());

        editConfig(folder, c -> c.put("hidden_act", "gelu").putObject("rope_scaling").put("type", "linear"));
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
        assertTrue(e.getMessage().contains("config.json: rope_scaling"), e.getMessage());

        editConfig(folder, c -> c.putNull("rope_scaling").put("rotary_pct", 0.1));
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(folder));
        assertTrue(e.getMessage().contains("config.json: rotary_pct 0.1"), e.getMessage());
    }
}
