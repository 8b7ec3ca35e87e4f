package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 2: a broken model folder (no model.safetensors, a truncated config.json, a damaged safetensors
 * header) stops {@code models DIR} and {@code embed --model DIR} with one message naming the file, exit 2, no stack trace.
 */
class ModelFolderErrorsTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2");

    @TempDir
    Path dir;

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

    private Path copy() throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) Files.copy(GPT2.resolve(f), model.resolve(f));
        return model;
    }

    private void assertClear(Path model, String file, String what) throws Exception {
        assertClear(model, file, what, true);
    }

    /** {@code models DIR} reads config.json and the folder listing only, not the weights: it checks those cases. */
    private void assertClear(Path model, String file, String what, boolean describeToo) throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "hello world\n");
        List<Ran> runs = new java.util.ArrayList<>();
        if (describeToo) runs.add(run("models", model.toString()));
        runs.add(run("embed", "--model", model.toString(), "--texts", texts.toString(), "--layer", "last",
                        "--out", dir.resolve("e.jsonl").toString()));
        for (Ran r : runs) {
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains(model.resolve(file).toString()) || r.err().contains(model + ": neither " + file),
                    "names " + file + ": " + r.err());
            assertTrue(r.err().contains(what), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void missingSafetensorsIsNamed() throws Exception {
        Path model = copy();
        Files.delete(model.resolve("model.safetensors"));
        assertClear(model, "model.safetensors", "model.safetensors");
    }

    @Test
    void truncatedConfigJsonIsNamed() throws Exception {
        Path model = copy();
        String config = Files.readString(model.resolve("config.json"));
        Files.writeString(model.resolve("config.json"), config.substring(0, config.length() / 2));
        assertClear(model, "config.json", "not valid JSON");
    }

    @Test
    void damagedSafetensorsHeaderIsNamed() throws Exception {
        Path model = copy();
        Path st = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int i = 8; i < 8 + Math.min(40, headerLength); i++) bytes[i] = '#';
        Files.write(st, bytes);
        assertClear(model, "model.safetensors", "damaged safetensors header", false);
    }
}
