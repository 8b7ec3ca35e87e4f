package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;

/**
 * Issue 24's task kinds fine-tuned end to end with {@code run --mode finetune}, on the tiny random GPT-2: a 3-class
 * task (full fine-tuning, and LoRA with its parameter count checked by hand), a multiple-choice task and a
 * preference-pair task whose weak and strong models are both fine-tuned candidate scorers. The tiny model's
 * accuracies are not meaningful; that they are there, and what trained, is what is checked.
 */
class ItemFineTuneRunTest {
    private static final Path R = Path.of("src/test/resources/items").toAbsolutePath();
    private static final String GPT2 = Path.of("src/test/resources/tiny/gpt2").toAbsolutePath().toString();
    /** Tiny GPT-2: 3 blocks of c_attn [144, 48], c_proj [48, 48], c_fc [192, 48], mlp.c_proj [48, 192]. */
    private static final long ADAPTERS_R4 = 3 * 4 * ((48 + 144) + (48 + 48) + (48 + 192) + (192 + 48));
    private static final String[] SHORT = {"--epochs", "1", "--batch-size", "8", "--min-steps", "0", "--n-train", "48",
        "--n-test", "24"};

    @TempDir
    Path dir;

    private JsonNode run(String name, String task, String... options) throws IOException {
        Path out = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("run", "--task", R.resolve(task).toString(), "--out",
                out.toString(), "--cache", dir.resolve("cache").toString(), "-q"));
        args.addAll(List.of(SHORT));
        args.addAll(List.of(options));
        HardeningTest.Ran r = HardeningTest.run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        return Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
    }

    private static void assertAccuracies(JsonNode m) {
        for (String role : List.of("weak", "w2s", "ceiling")) {
            double a = m.get(role + "_accuracy").asDouble(-1);
            assertTrue(a >= 0 && a <= 1, role + ": " + m.get(role + "_accuracy"));
        }
    }

    @Test
    void aThreeClassTaskFineTunesInFullAndWithLora() throws IOException {
        JsonNode full = run("topics", "topics.jsonl", "--weak", "bow", "--strong", GPT2, "--mode", "finetune");
        assertAccuracies(full);
        assertEquals("classes", full.get("items").get("kind").asText());
        assertEquals(3, full.get("items").get("classes").asInt());
        assertEquals("finetune", full.get("config").get("strong").get("mode").asText());
        JsonNode w2s = full.get("footprints").get("w2s");
        assertEquals(w2s.get("total_parameters").asLong(), w2s.get("trainable_parameters").asLong());

        JsonNode lora = run("topics-lora", "topics.jsonl", "--weak", "bow", "--strong", GPT2, "--mode", "finetune",
                "--lora-rank", "4");
        assertAccuracies(lora);
        // the adapters and the 3 × 48 head train; the backbone is frozen
        assertEquals(ADAPTERS_R4 + 3 * 48, lora.get("footprints").get("w2s").get("trainable_parameters").asLong());
        assertEquals(w2s.get("total_parameters").asLong() + ADAPTERS_R4,
                lora.get("footprints").get("w2s").get("total_parameters").asLong());
    }

    @Test
    void choiceTasksFineTuneACandidateScorer() throws IOException {
        JsonNode mc = run("mc", "mc.jsonl", "--weak", GPT2, "--weak-mode", "finetune", "--strong", GPT2,
                "--mode", "finetune", "--lora-rank", "4");
        assertAccuracies(mc);
        assertEquals("choice", mc.get("items").get("kind").asText());
        assertTrue(mc.get("w2s_auroc").isNull(), "choices have no AUROC");
        // one scalar score shared by the candidates: a 1 × 48 head beside the adapters
        assertEquals(ADAPTERS_R4 + 48, mc.get("footprints").get("w2s").get("trainable_parameters").asLong());
        // the weak model (--lora-rank is the strong model's) fine-tunes in full, with the same 1 × 48 head
        JsonNode weak = mc.get("footprints").get("weak");
        assertEquals(weak.get("total_parameters").asLong(), weak.get("trainable_parameters").asLong());
        assertEquals(weak.get("total_parameters").asLong() + ADAPTERS_R4,
                mc.get("footprints").get("w2s").get("total_parameters").asLong());
        assertEquals("finetune", mc.get("config").get("weak").get("mode").asText());

        JsonNode pairs = run("pairs", "pairs.jsonl", "--weak", GPT2, "--strong", GPT2, "--mode", "finetune");
        assertAccuracies(pairs);
        assertEquals(pairs.get("w2s_accuracy").asDouble(), pairs.get("w2s_pairwise_accuracy").asDouble(), 0.0);
        assertEquals("probe", pairs.get("config").get("weak").get("mode").asText());
        JsonNode probe = pairs.get("footprints").get("weak").path("trainable_parameters");
        assertTrue(probe.isNull() || probe.isMissingNode(), "a probe: not counted");
    }
}
