package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.model.arch.Safetensors;
import w2s.model.arch.StoredTensor;

/**
 * Issue 22 item 4: a checkpoint whose outputs are NaN (here a NaN LayerNorm weight in block 1) is refused by
 * {@code embed}, by extraction for a probe and by fine-tuning, naming the model and layer 1, the first whose hidden
 * states are not finite; nothing is written.
 */
class NonFiniteOutputsTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2");

    @TempDir
    static Path dir;
    static Path model, task;

    @BeforeAll
    static void writeFixtures() throws Exception {
        model = Files.createDirectories(dir.resolve("nan-model"));
        for (String f : List.of("config.json", "tokenizer.json")) Files.copy(GPT2.resolve(f), model.resolve(f));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(GPT2.resolve("model.safetensors")));
        float[] nan = new float[48];
        Arrays.fill(nan, Float.NaN);
        tensors.put("transformer.h.0.ln_1.weight", new StoredTensor(new long[] {48}, nan));
        Safetensors.write(model.resolve("model.safetensors"), tensors);
        StringBuilder docs = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            docs.append("{\"text\": \"the meal was ").append(i % 2 == 0 ? "lovely" : "awful").append(" on day ")
                    .append(i).append("\", \"label\": ").append(i % 2).append("}\n");
        }
        task = Files.writeString(dir.resolve("meals.jsonl"), docs.toString());
    }

    private record Ran(int status, String err) {}

    private Ran run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        System.setErr(new PrintStream(e, true));
        try {
            return new Ran(Main.execute(args), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private void refused(Ran r, String what, Path out) {
        assertEquals(3, r.status(), r.err());
        assertTrue(r.err().contains(model.resolve("model.safetensors").toString()), "names the model: " + r.err());
        assertTrue(r.err().contains("the " + what + " are NaN or infinite (first at layer 1 of 0..3)"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(out), "nothing written: " + out);
    }

    @Test
    void embedRefusesNanVectors() throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "hello world\nanother text\n");
        Path out = dir.resolve("e.jsonl");
        refused(run("embed", "--model", model.toString(), "--texts", texts.toString(), "--layer", "all",
                "--out", out.toString()), "hidden states", out);
    }

    @Test
    void probeAndFineTuneRefuseNanOutputs() throws Exception {
        Path out = dir.resolve("probe");
        refused(run("run", "--task", task.toString(), "--weak", "bow", "--strong", model.toString(), "--n-train", "32",
                "--n-test", "16", "--cache", dir.resolve("cache").toString(), "--out", out.toString()),
                "hidden states", out.resolve("metrics.json"));
        out = dir.resolve("finetune");
        refused(run("run", "--task", task.toString(), "--weak", "bow", "--strong", model.toString(), "--n-train", "32",
                "--n-test", "16", "--mode", "finetune", "--epochs", "1", "--batch-size", "8",
                "--cache", dir.resolve("cache").toString(), "--out", out.toString()),
                "logits at training step 0", out.resolve("metrics.json"));
    }
}
