package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decoder language model wherever a model is accepted: the tiny random-weight GPT-2 (checked layer by layer
 * against the PyTorch reference in Gpt2Test) as weak model and as strong model, probed and fine-tuned, by folder
 * and by Hugging Face id from a Hugging Face cache; and {@code embed} and {@code models} on it.
 */
class DecoderRunTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2").toAbsolutePath();

    @TempDir
    static Path dir;
    static Path task;

    @BeforeAll
    static void writeTask() throws Exception {
        StringBuilder docs = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            docs.append("{\"text\": \"the meal was ").append(i % 2 == 0 ? "lovely" : "awful").append(" on day ")
                    .append(i).append("\", \"label\": ").append(i % 2).append("}\n");
        }
        task = Files.writeString(dir.resolve("meals.jsonl"), docs.toString());
    }

    private static JsonNode run(String name, String... options) throws Exception {
        Path out = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("run", "--task", task.toString(), "--n-train", "48",
                "--n-test", "24", "--cache", dir.resolve("cache").toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        assertEquals(0, Main.execute(args.toArray(String[]::new)));
        return new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    }

    @Test
    void aDecoderIsTheStrongModelAsProbeAndFineTuned() throws Exception {
        JsonNode probe = run("probe", "--weak", "bow", "--strong", GPT2.toString());
        JsonNode strong = probe.path("config").path("strong");
        assertEquals("probe", strong.path("mode").asText());
        assertEquals("last", strong.path("pooling").asText(), "decoders are read at the last token");
        assertEquals("last", strong.path("layer").asText());
        assertTrue(probe.path("ceiling_accuracy").isNumber());

        JsonNode tuned = run("finetune", "--weak", "bow", "--strong", GPT2.toString(), "--mode", "finetune",
                "--epochs", "1", "--batch-size", "8", "--min-steps", "0");
        assertEquals("finetune", tuned.path("config").path("strong").path("mode").asText());
        assertEquals("last", tuned.path("config").path("strong").path("pooling").asText());
        assertTrue(tuned.path("w2s_accuracy").isNumber());
    }

    /** LoRA fine-tuning end to end: the result records what trained, in which dtype, on which device. */
    @Test
    void aLoraStudentRecordsItsFootprint() throws Exception {
        JsonNode result = run("lora", "--weak", "bow", "--strong", GPT2.toString(), "--mode", "finetune",
                "--epochs", "1", "--batch-size", "8", "--min-steps", "0", "--lora-rank", "4", "--ceiling-lora-rank", "0",
                "--grad-checkpoint");
        JsonNode strong = result.path("config").path("strong");
        assertEquals(4, strong.path("lora").path("rank").asInt());
        assertEquals("all-linear", strong.path("lora").path("targets").path(0).asText());
        assertEquals("fp32", strong.path("dtype").asText());
        assertTrue(result.path("config").path("ceiling").path("lora").isMissingNode(), "the ceiling: full fine-tuning");
        JsonNode student = result.path("footprints").path("w2s"), ceiling = result.path("footprints").path("ceiling");
        // tiny GPT-2: 3 blocks of c_attn [144, 48], c_proj [48, 48], c_fc [192, 48], mlp.c_proj [48, 192]; head 2 × 48
        long adapters = 3 * 4 * ((48 + 144) + (48 + 48) + (48 + 192) + (192 + 48));
        assertEquals(adapters + 96, student.path("trainable_parameters").asLong());
        assertEquals(student.path("total_parameters").asLong(), ceiling.path("total_parameters").asLong() + adapters);
        assertEquals(ceiling.path("total_parameters").asLong(), ceiling.path("trainable_parameters").asLong());
        for (JsonNode f : List.of(student, ceiling)) {
            assertEquals("fp32", f.path("dtype").asText());
            assertEquals("cpu", f.path("device").asText());
        }
        assertEquals("fp64", result.path("footprints").path("weak").path("dtype").asText(), "bow: Java doubles");
    }

    @Test
    void aDecoderIsTheWeakModelOfAnEncoder() throws Exception {
        JsonNode result = run("weak", "--weak", GPT2.toString(), "--strong", "minilm-l6");
        assertEquals(GPT2.toString(), result.path("config").path("weak").path("name").asText());
        assertTrue(result.path("weak_accuracy").isNumber());
    }

    @Test
    void aDecoderInTheVariants() throws Exception {
        JsonNode repaired = run("repair", "--weak", "bow", "--strong", GPT2.toString(), "--repair", "knn");
        assertTrue(repaired.path("label_repair").isObject(), "repair read the decoder's activations");
        JsonNode chain = run("chain", "--weak", "bow", "--strong", "minilm-l6", "--chain",
                "bow," + GPT2 + ",minilm-l6");
        assertEquals(2, chain.path("steps").size(), "one bootstrapping step through the decoder, then the student");
        JsonNode ccs = run("ccs", "--weak", "ccs:" + GPT2, "--strong", "minilm-l6");
        assertEquals("ccs", ccs.path("config").path("weak").path("mode").asText());
        assertEquals(0, Main.execute("elicit", "--task", task.toString(), "--model", GPT2.toString(), "--layer", "all",
                "--n-train", "40", "--n-test", "20", "--epochs", "20", "--restarts", "1", "--max-tokens", "64",
                "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("elicit").toString()));
    }

    /** A model id resolves from the Hugging Face cache layout (refs → snapshot → blobs), offline as in every test. */
    @Test
    void aHuggingFaceIdResolvesFromTheCache() throws Exception {
        String root = System.getenv("HF_HUB_CACHE");
        assumeTrue(root != null, "the build sets HF_HUB_CACHE for the tests");
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = Path.of(root).resolve("models--tiny-org--gpt2");
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot);
        Files.createDirectories(repo.resolve("blobs"));
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Path blob = repo.resolve("blobs").resolve("blob-" + f);
            Files.copy(GPT2.resolve(f), blob, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(snapshot.resolve(f));
            Files.createSymbolicLink(snapshot.resolve(f), Path.of("../../blobs/blob-" + f));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);

        JsonNode result = run("hub", "--weak", "bow", "--strong", "tiny-org/gpt2");
        assertEquals("tiny-org/gpt2", result.path("config").path("strong").path("name").asText());

        Path texts = Files.writeString(dir.resolve("texts.txt"), "hello world\nthe meal was lovely\n");
        Path out = dir.resolve("embed.jsonl");
        assertEquals(0, Main.execute("embed", "--model", "tiny-org/gpt2", "--texts", texts.toString(), "--layer", "all",
                "--out", out.toString()));
        List<String> lines = Files.readAllLines(out);
        assertEquals(2 * 4, lines.size(), "2 texts × layers 0..3");
        assertEquals(48, new ObjectMapper().readTree(lines.get(0)).get("vector").size());

        assertEquals(0, Main.execute("models", "tiny-org/gpt2"));
    }

    @Test
    void aMissingIdOfflineSaysHowToGetIt() throws Exception {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int status;
        try {
            System.setErr(new java.io.PrintStream(err, true));
            status = Main.execute("run", "--task", task.toString(), "--weak", "bow", "--strong", "no-org/no-model",
                    "--out", dir.resolve("x").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, status);
        assertTrue(err.toString().contains("HF_HUB_OFFLINE"), err.toString());
    }
}
