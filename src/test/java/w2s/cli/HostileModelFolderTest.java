package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: hostile model folders (safetensors headers, configs, tokenizers, shard indexes) stop {@code models DIR}
 * and {@code embed --model DIR} within seconds with exit 2 and one message naming the file and the value; nothing
 * is written.
 */
class HostileModelFolderTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2");
    static final ObjectMapper JSON = new ObjectMapper();

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

    private Path copy(String name) throws Exception {
        Path model = dir.resolve(name);
        Files.createDirectories(model);
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Files.copy(GPT2.resolve(f), model.resolve(f));
        }
        return model;
    }

    /** Rewrites the safetensors header in place, padded to its old length so that the data stays where it was. */
    private static void editHeader(Path st, Consumer<ObjectNode> edit) throws Exception {
        byte[] bytes = Files.readAllBytes(st);
        int n = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] json = JSON.writeValueAsBytes(header);
        assertTrue(json.length <= n, "the edited header fits");
        byte[] padded = (new String(json, StandardCharsets.UTF_8) + " ".repeat(n - json.length))
                .getBytes(StandardCharsets.UTF_8);
        System.arraycopy(padded, 0, bytes, 8, n);
        Files.write(st, bytes);
    }

    private static void editConfig(Path model, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(Files.readString(model.resolve("config.json")));
        edit.accept(c);
        Files.writeString(model.resolve("config.json"), JSON.writeValueAsString(c));
    }

    /** Each command exits 2 within seconds, naming the file and saying {@code what}, and writes no output. */
    private void refused(Path model, String file, String what, boolean describeToo) throws Exception {
        Path texts = Files.writeString(dir.resolve("texts.txt"), "hello world\n");
        Path out = dir.resolve("e.jsonl");
        List<String[]> commands = new java.util.ArrayList<>();
        if (describeToo) commands.add(new String[] {"models", model.toString()});
        commands.add(new String[] {"embed", "--model", model.toString(), "--texts", texts.toString(), "--layer", "last",
                "--out", out.toString()});
        for (String[] command : commands) {
            long start = System.nanoTime();
            Ran r = run(command);
            assertTrue(System.nanoTime() - start < 10_000_000_000L, command[0] + " answers within seconds");
            assertEquals(2, r.status(), command[0] + ": " + r.err());
            assertTrue(r.err().contains(model.resolve(file).toString()), command[0] + " names " + file + ": " + r.err());
            assertTrue(r.err().contains(what), command[0] + " says '" + what + "': " + r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    @Test
    void overlappingOrNegativeOffsetsAreRefused() throws Exception {
        Path model = copy("overlap");
        // ln_1.bias read from ln_1.weight's bytes used to load with exit 0.
        editHeader(model.resolve("model.safetensors"), h -> h.set("transformer.h.0.ln_1.bias",
                h.get("transformer.h.0.ln_1.weight").deepCopy()));
        refused(model, "model.safetensors", "overlapping", true);

        model = copy("negative");
        // A negative begin used to read the JSON header as weights (all-NaN vectors, exit 0).
        editHeader(model.resolve("model.safetensors"), h -> ((ObjectNode) h.get("transformer.h.0.ln_1.bias"))
                .putArray("data_offsets").add(-192).add(0));
        refused(model, "model.safetensors", "-192", true);

        model = copy("no-offsets");
        editHeader(model.resolve("model.safetensors"), h -> ((ObjectNode) h.get("transformer.h.0.ln_1.bias"))
                .remove("data_offsets"));
        refused(model, "model.safetensors", "'transformer.h.0.ln_1.bias' has no data_offsets", true);
    }

    @Test
    void configsThatDisagreeWithTheCheckpointAreRefusedQuickly() throws Exception {
        Path model = copy("million");
        editConfig(model, c -> c.put("n_layer", 1_000_000));
        refused(model, "config.json", "n_layer is 1000000 but", true);
        editConfig(model, c -> c.put("n_layer", -1));
        refused(model, "config.json", "n_layer is -1", true);
        editConfig(model, c -> c.put("n_layer", 0));
        refused(model, "config.json", "n_layer is 0", true);

        Path qwen = dir.resolve("qwen");
        Files.createDirectories(qwen);
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Files.copy(GPT2.resolveSibling("qwen2").resolve(f), qwen.resolve(f));
        }
        editConfig(qwen, c -> c.put("rope_theta", -1));
        refused(qwen, "config.json", "rope_theta is -1", true);
    }

    @Test
    void brokenTokenizersAreNamed() throws Exception {
        Path model = copy("tokenizer");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        refused(model, "tokenizer.json", "no 'model' object", false);

        ObjectNode t = (ObjectNode) JSON.readTree(Files.readString(GPT2.resolve("tokenizer.json")));
        ((ObjectNode) t.get("model")).put("type", "Sentencepiece");
        Files.writeString(model.resolve("tokenizer.json"), JSON.writeValueAsString(t));
        refused(model, "tokenizer.json", "model.type \"Sentencepiece\" is not one of", false);

        byte[] random = new byte[4096];
        new Random(22).nextBytes(random);
        Files.write(model.resolve("tokenizer.json"), random);
        refused(model, "tokenizer.json", "not UTF-8", false);

        ((ObjectNode) t.get("model")).put("type", "BPE").putArray("merges").add("no-such-token another");
        Files.writeString(model.resolve("tokenizer.json"), JSON.writeValueAsString(t));
        refused(model, "tokenizer.json", "the tokenizers library cannot read it", false);
    }

    @Test
    void aShardOutsideTheFolderIsRefused() throws Exception {
        Path outside = copy("elsewhere");
        Path model = copy("sharded");
        Files.delete(model.resolve("model.safetensors"));
        for (String shard : List.of("../elsewhere/model.safetensors", outside.resolve("model.safetensors").toString())) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("weight_map").put("transformer.wte.weight", shard);
            Files.writeString(model.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index));
            refused(model, "model.safetensors.index.json", "shard '" + shard + "' is not a file of the model folder",
                    true);
        }
    }
}
