package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;

/** {@code w2s elicit} on the real grammar task and the real MiniLM encoder, kept small. */
class ElicitCommandTest {
    @TempDir
    Path dir;

    @Test
    void comparesMethodsOnARealEncoderAndWritesJson() throws Exception {
        Path out = dir.resolve("out");
        int status = Main.execute("elicit", "--task", "grammar", "--model", "minilm-l6", "--layer", "2",
                "--n-train", "100", "--n-test", "60", "--epochs", "200", "--restarts", "2", "--sign-points", "10",
                "--template", "grammatical", "--cache", dir.resolve("cache").toString(), "--out", out.toString());
        assertEquals(0, status);
        JsonNode result = Json.MAPPER.readTree(out.resolve("elicit.json").toFile());
        assertEquals(100, result.get("n_train").asInt());
        assertEquals(60, result.get("n_test").asInt());
        assertEquals("grammatical", result.at("/config/templates/0/name").asText());
        JsonNode rows = result.get("rows");
        assertEquals(4, rows.size());
        for (JsonNode row : rows) {
            assertEquals(2, row.get("layer").asInt());
            for (String metric : new String[] {"accuracy", "auroc", "ece", "brier"}) {
                double v = row.get(metric).asDouble();
                assertTrue(v >= 0 && v <= 1, metric + " in [0, 1]: " + row);
            }
        }
        assertEquals("10 train labels", rows.get(0).get("sign").asText());
        assertEquals("supervised", rows.get(2).get("sign").asText());
        assertTrue(rows.get(0).get("ccs_loss").asDouble() < rows.get(3).get("ccs_loss").asDouble(),
                "CCS lowers its loss below a random direction's: " + rows);
    }

    @Test
    void unknownTemplateListsTheValidOnes() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(2, Main.execute("elicit", "--task", "grammar", "--template", "riddle",
                    "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("out").toString()));
        } finally {
            System.setErr(saved);
        }
        assertTrue(err.toString().contains("--template: unknown template 'riddle'; valid templates: sentiment-between"), err.toString());
    }

    private String errorOf(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            List<String> all = new java.util.ArrayList<>(List.of(args));
            all.addAll(List.of("--cache", dir.resolve("cache").toString(), "--out", dir.resolve("bad").toString()));
            assertEquals(2, Main.execute(all.toArray(String[]::new)));
        } finally {
            System.setErr(saved);
        }
        return err.toString();
    }

    @Test
    void badInputIsRefusedNamingTheOption() {
        String noLabel = errorOf("elicit", "--task", "grammar", "--template", "Sentence: {text}", "--labels", "no,yes");
        assertTrue(noLabel.contains("--template 'Sentence: {text}' must contain {text}") && noLabel.contains("{label}"),
                noLabel);
        String threeLabels = errorOf("elicit", "--task", "grammar", "--template", "{text} {label}", "--labels",
                "bad,ok,good");
        assertTrue(threeLabels.contains("--labels must be two answers"), threeLabels);
        String deep = errorOf("elicit", "--task", "grammar", "--model", "minilm-l6", "--layer", "7");
        assertTrue(deep.contains("--layer: layer '7' is not valid for model minilm-l6"), deep);
        String tooLong = errorOf("elicit", "--task", "grammar", "--model", "minilm-l6", "--max-tokens", "8",
                "--template", "grammar-correct", "--n-train", "40", "--n-test", "20");
        assertTrue(tooLong.contains("--max-tokens 8: all 40 training examples exceed it") && tooLong.contains(
                "40 dropped"), tooLong);
    }

    /** The decoder path on the tiny random GPT-2: last-token states, truncation to its 64 positions, zero-shot. */
    @Test
    void decodersGetZeroShotAndFittedPrompts() throws Exception {
        Path out = dir.resolve("gpt2");
        int status = Main.execute("elicit", "--task", "fine_foods", "--model", "src/test/resources/tiny/gpt2",
                "--layer", "all", "--n-train", "40", "--n-test", "20", "--epochs", "20", "--restarts", "1",
                "--max-tokens", "64", "--template", "sentiment-between,review-liked",
                "--cache", dir.resolve("cache").toString(), "--out", out.toString());
        assertEquals(0, status);
        JsonNode result = Json.MAPPER.readTree(out.resolve("elicit.json").toFile());
        assertTrue(result.at("/train_prompts/truncated").asInt() > 0, "long reviews are cut: " + result.get("train_prompts"));
        assertEquals(0, result.at("/train_prompts/dropped").asInt());
        java.util.Set<String> methods = new java.util.TreeSet<>();
        java.util.Set<String> templates = new java.util.TreeSet<>();
        for (JsonNode row : result.get("rows")) {
            methods.add(row.get("method").asText());
            templates.add(row.get("template").asText());
        }
        assertEquals(java.util.Set.of("ccs", "vinc", "logreg", "random", "zero-shot"), methods);
        assertEquals(java.util.Set.of("ensemble", "sentiment-between", "review-liked"), templates);
    }
}
