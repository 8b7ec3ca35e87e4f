package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Progress;
import w2s.encode.OnnxEncoder;

/** {@code w2s embed}: one line per text and layer, the same vectors the feature path computes. */
class EmbedCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryLayerOfEveryTextAsTheEncoderComputesThem() throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "The cat sat on the mat.\nA second, longer text here.\n");
        Path out = dir.resolve("out.jsonl");
        assertEquals(0, Main.execute("embed", "--model", "minilm-l6", "--texts", texts.toString(), "--layer", "all",
                "--out", out.toString()));
        List<String> lines = Files.readAllLines(out);
        assertEquals(2 * 7, lines.size(), "2 texts × layers 0..6");
        ObjectMapper json = new ObjectMapper();
        JsonNode last = null;
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            assertEquals(384, n.get("vector").size());
            if (n.get("index").asInt() == 1 && n.get("layer").asInt() == 6) last = n;
        }
        float[] written = new float[384];
        for (int d = 0; d < 384; d++) written[d] = (float) last.get("vector").get(d).asDouble();
        try (OnnxEncoder encoder = OnnxEncoder.open("minilm-l6")) {
            float[] expected = encoder.encode(List.of("A second, longer text here."), 6, "mean", 256,
                    Progress.silent())[0];
            assertArrayEquals(expected, written, 1e-6f);
        }
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.toString().endsWith(".partial")), "no partial file left");
        }
    }

    @Test
    void namesTheFileAndLineOfABadText() throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.jsonl"), "{\"text\": \"fine\"}\n{\"txt\": \"no field\"}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int status;
        try {
            System.setErr(new PrintStream(err, true));
            status = Main.execute("embed", "--model", "minilm-l6", "--texts", texts.toString(), "--out",
                    dir.resolve("o.jsonl").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, status);
        assertTrue(err.toString().contains("texts.jsonl:2: field 'text' is missing"), err.toString());
        assertFalse(Files.exists(dir.resolve("o.jsonl")));
    }
}
