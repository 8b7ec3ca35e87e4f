package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static w2s.model.arch.LlamaTest.TINY;
import static w2s.model.arch.LlamaTest.copy;
import static w2s.model.arch.LlamaTest.editConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 item 2: a config.json is checked against its checkpoint's safetensors headers before anything is
 * allocated; values out of range are refused naming the file, the field and the value.
 */
class ConfigCheckTest {
    @TempDir
    Path dir;

    /** Refused by both the folder check (what {@code w2s models DIR} runs) and the loader, quickly. */
    private void refused(Path folder, String... parts) {
        long start = System.nanoTime();
        for (var load : new org.junit.jupiter.api.function.Executable[] {
                () -> ConfigCheck.read(folder), () -> Checkpoint.fromHuggingFace(folder)}) {
            var e = assertThrows(IllegalArgumentException.class, load);
            assertTrue(e.getMessage().contains(folder.toString()), "names the file: " + e.getMessage());
            for (String p : parts) assertTrue(e.getMessage().contains(p), "says '" + p + "': " + e.getMessage());
        }
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused within seconds");
    }

    @Test
    void layerCountsThatDisagreeWithTheCheckpointAreRefused() throws Exception {
        Path gpt2 = copy(TINY.resolve("gpt2"), dir.resolve("gpt2"));
        // A million layers used to take minutes and gigabytes listing their shapes before any error.
        editConfig(gpt2, c -> c.put("n_layer", 1_000_000));
        refused(gpt2, "config.json: n_layer is 1000000", "model.safetensors holds 3 layers (h.0 to h.2)");
        editConfig(gpt2, c -> c.put("n_layer", 2));
        refused(gpt2, "config.json: n_layer is 2", "holds 3 layers");
        editConfig(gpt2, c -> c.put("n_layer", 0));
        refused(gpt2, "config.json: n_layer is 0; it must be a positive integer");
        editConfig(gpt2, c -> c.put("n_layer", -1));
        refused(gpt2, "config.json: n_layer is -1; it must be a positive integer");
        editConfig(gpt2, c -> c.put("n_layer", 3.5));
        refused(gpt2, "config.json: n_layer is 3.5");
        editConfig(gpt2, c -> c.put("n_layer", 3));
        assertEquals(3, Checkpoint.fromHuggingFace(gpt2).config().layers());

        Path llama = copy(TINY.resolve("llama-gqa"), dir.resolve("llama"));
        editConfig(llama, c -> c.put("num_hidden_layers", 7));
        refused(llama, "config.json: num_hidden_layers is 7", "model.safetensors.index.json holds 3 layers");
    }

    @Test
    void sizesThatDisagreeWithTheTensorsNameTheField() throws Exception {
        Path gpt2 = copy(TINY.resolve("gpt2"), dir.resolve("gpt2"));
        editConfig(gpt2, c -> c.put("vocab_size", 301));
        refused(gpt2, "tensor 'wte.weight' has shape [300, 48] but the config needs [301, 48]", "vocab_size = 301");
        editConfig(gpt2, c -> c.put("vocab_size", 300).put("n_inner", 100));
        refused(gpt2, "tensor 'h.0.mlp.c_fc.weight' has shape [48, 192] but the config needs [48, 100]",
                "n_inner = 100");
        editConfig(gpt2, c -> c.putNull("n_inner").put("n_head", 5));
        refused(gpt2, "config.json: n_embd 48 is not a multiple of n_head 5");

        Path llama = copy(TINY.resolve("llama-gqa"), dir.resolve("llama"));
        editConfig(llama, c -> c.put("num_key_value_heads", 4));
        refused(llama, "'layers.0.self_attn.k_proj.weight' has shape [32, 48] but the config needs [64, 48]");
        editConfig(llama, c -> c.put("num_key_value_heads", 3));
        refused(llama, "num_attention_heads 4 is not a multiple of num_key_value_heads 3");
        editConfig(llama, c -> c.put("num_key_value_heads", 2).put("intermediate_size", -96));
        refused(llama, "config.json: intermediate_size is -96");
    }

    @Test
    void rotaryBasesAndEpsilonsOutOfRangeAreRefused() throws Exception {
        Path qwen = copy(TINY.resolve("qwen2"), dir.resolve("qwen"));
        // rope_theta -1 used to give all-NaN vectors with exit 0.
        editConfig(qwen, c -> c.put("rope_theta", -1));
        refused(qwen, "config.json: rope_theta is -1; it must be a finite positive number");
        editConfig(qwen, c -> c.put("rope_theta", 0));
        refused(qwen, "rope_theta is 0");
        editConfig(qwen, c -> c.put("rope_theta", "10000"));
        refused(qwen, "rope_theta is \"10000\"");
        editConfig(qwen, c -> c.put("rope_theta", new java.math.BigDecimal("1e400")));
        refused(qwen, "rope_theta is");
        editConfig(qwen, c -> c.put("rope_theta", 10000.0).put("rms_norm_eps", -1e-6));
        refused(qwen, "rms_norm_eps is -1.0E-6");
        Path pythia = copy(TINY.resolve("pythia"), dir.resolve("pythia"));
        editConfig(pythia, c -> c.put("rotary_emb_base", -10000));
        refused(pythia, "rotary_emb_base is -10000");
        Path llama = copy(TINY.resolve("llama-gqa"), dir.resolve("llama"));
        editConfig(llama, c -> c.put("rope_theta", -500.0));
        refused(llama, "rope_theta is -500.0");
    }

    @Test
    void unusedTensorsAreReported() throws Exception {
        Path gpt2 = copy(TINY.resolve("gpt2"), dir.resolve("gpt2"));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(gpt2.resolve("model.safetensors")));
        tensors.put("transformer.h.1.attn.extra.weight", new StoredTensor(new long[] {2}, new float[2]));
        Safetensors.write(gpt2.resolve("model.safetensors"), tensors);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            Checkpoint.fromHuggingFace(gpt2);
        } finally {
            System.setErr(err);
        }
        assertTrue(captured.toString().contains("w2s: warning: " + gpt2.resolve("model.safetensors")
                + ": 1 tensor that gpt2 does not read: h.1.attn.extra.weight"), captured.toString());
    }
}
