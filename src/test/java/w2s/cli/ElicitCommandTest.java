package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.report.Json;

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
        assertTrue(err.toString().contains("--template: unknown template 'riddle'; valid templates: sentiment"), err.toString());
    }
}
