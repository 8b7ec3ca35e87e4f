package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;

/**
 * Issue 25: a generative task end to end, on the fixtures of scripts/fixtures/scratch_decoders.py. The task: copy the
 * bracketed letter of a prompt ("k a [q] z m =" → "q"). The weak supervisor is a tiny GPT-2 at its initialisation (1
 * block of width 32) trained here from scratch, whose 10 positions show it only the end of a prompt; the strong model
 * is a 2-block GPT-2 of width 64 pretrained (in torch, by the fixture script) on prompts of 4 and 6 letters, never 5:
 * a latent capability, as the paper's strong models have. The run writes greedy answers, scores them by exact match,
 * and the student fine-tuned on the weak model's written answers recovers part of the gap, its PGR interval above 0.
 * Bad input is refused with exit 2 and nothing written.
 */
class GenerativeRunTest {
    private static final Path COPY = Path.of("src/test/resources/generate/copy.jsonl").toAbsolutePath();
    private static final String SMALL = Path.of("src/test/resources/tiny/scratch-small").toAbsolutePath().toString();
    private static final String LARGE = Path.of("src/test/resources/tiny/copy-pretrained").toAbsolutePath().toString();

    @TempDir
    Path dir;

    private HardeningTest.Ran run(String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--task", COPY.toString(), "--cache",
                dir.resolve("cache").toString(), "-q"));
        args.addAll(List.of(options));
        return HardeningTest.run(args.toArray(String[]::new));
    }

    @Test
    void theStudentOfAWeakDecoderRecoversPartOfTheGap() throws IOException {
        Path out = dir.resolve("copy");
        HardeningTest.Ran r = run("--weak", SMALL, "--strong", LARGE, "--n-train", "800", "--n-test", "200",
                "--epochs", "4", "--weak-epochs", "64", "--lr", "1e-3", "--weak-lr", "3e-3", "--batch-size", "32",
                "--min-steps", "0", "--max-new-tokens", "2", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        double weak = m.get("weak_accuracy").asDouble(), w2s = m.get("w2s_accuracy").asDouble(),
                ceiling = m.get("ceiling_accuracy").asDouble();
        assertTrue(ceiling >= 0.8, "the strong decoder learns to copy: " + ceiling);
        assertTrue(weak >= 0.3, "the weak decoder, trained from scratch, copies what it sees: " + weak);
        assertTrue(weak < w2s && w2s < ceiling, "weak " + weak + " < student " + w2s + " < ceiling " + ceiling);
        assertTrue(m.get("pgr_ci").get(0).asDouble() > 0, m.get("pgr_ci").toString());
        assertEquals((w2s - weak) / (ceiling - weak), m.get("pgr").asDouble(), 1e-12);
        assertEquals("generative", m.get("items").get("kind").asText());
        assertEquals("finetune", m.get("config").get("strong").get("mode").asText(), "generative models fine-tune");
        assertEquals(2, m.get("config").get("generation").get("max_new_tokens").asInt());
        // the weak model's loss fell from ln 300 ≈ 5.7 at its initialisation
        JsonNode weakLosses = m.get("training_losses").get(0).get("losses");
        assertTrue(weakLosses.get(0).asDouble() > 5 && weakLosses.get(weakLosses.size() - 1).asDouble() < 1.5,
                weakLosses.toString());
        // answers.jsonl: what every model wrote, and whether it was right, matching the accuracies
        List<String> lines = Files.readAllLines(out.resolve("answers.jsonl"));
        assertEquals(200, lines.size());
        int right = 0;
        for (String line : lines) {
            JsonNode a = Json.MAPPER.readTree(line);
            right += a.get("w2s_right").asBoolean() ? 1 : 0;
            assertEquals(a.get("gt_answers").get(0).asText().equals(a.get("w2s").asText().strip()),
                    a.get("w2s_right").asBoolean(), line);
        }
        assertEquals(w2s, right / 200.0, 1e-12);
        JsonNode label = Json.MAPPER.readTree(Files.readAllLines(out.resolve("weak_labels.jsonl")).get(0));
        assertTrue(label.has("weak_answer") && label.has("prompt"), label.toString());
        assertTrue(r.out().contains("PGR"), r.out());
    }

    @Test
    void aChainBootstrapsThroughAnIntermediateDecoder() throws IOException {
        Path out = dir.resolve("chain");
        String middle = Path.of("src/test/resources/tiny/scratch-large").toAbsolutePath().toString();
        HardeningTest.Ran r = run("--chain", SMALL + "," + middle + "," + LARGE, "--n-train", "200", "--n-test", "50",
                "--epochs", "1", "--weak-epochs", "1", "--min-steps", "0", "--max-new-tokens", "2", "--out",
                out.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode m = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        assertEquals(2, m.get("steps").size());
        assertEquals("via", m.get("steps").get(0).get("role").asText());
        assertTrue(m.get("steps").get(0).get("model").asText().contains("scratch-large"));
        assertEquals(m.get("w2s_accuracy").asDouble(), m.get("steps").get(1).get("accuracy").asDouble(), 0);
        List<String> trained = new java.util.ArrayList<>();
        m.get("training_losses").forEach(c -> trained.add(c.get("model").asText()));
        assertEquals(List.of("weak", "via 1", "student", "ceiling"), trained);
    }

    @Test
    void badInputIsRefusedAndNothingIsWritten() throws IOException {
        Path out = dir.resolve("bad");
        HardeningTest.Ran encoder = run("--weak", "minilm-l6", "--strong", LARGE, "--out", out.toString());
        assertEquals(2, encoder.status(), encoder.err());
        assertTrue(encoder.err().contains("encoder"), encoder.err());
        assertFalse(Files.exists(out.resolve("metrics.json")));

        HardeningTest.Ran probe = run("--weak", SMALL, "--weak-mode", "probe", "--strong", LARGE, "--out",
                out.toString());
        assertEquals(2, probe.status(), probe.err());
        assertTrue(probe.err().contains("cannot write answers"), probe.err());

        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "{\"id\": \"e1\", \"prompt\": \"a b [c] =\", \"answer\": \"c\"}\n"
                + "{\"id\": \"e2\", \"prompt\": \"a b [c] =\"}\n");
        HardeningTest.Ran missing = HardeningTest.run("run", "--task", empty.toString(), "--weak", SMALL, "--strong",
                LARGE, "--out", out.toString(), "-q");
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().contains("empty.jsonl:2") && missing.err().contains("answer"), missing.err());

        HardeningTest.Ran notGenerative = HardeningTest.run("run", "--task", "grammar", "--weak", "bow", "--strong",
                "bow", "--max-new-tokens", "4", "--out", out.toString(), "-q");
        assertEquals(2, notGenerative.status(), notGenerative.err());
        assertTrue(notGenerative.err().contains("generative"), notGenerative.err());
        assertFalse(Files.exists(out.resolve("metrics.json")));
    }
}
