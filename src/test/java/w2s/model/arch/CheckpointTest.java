package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.model.source.Pretrained;

/** Loading a Hugging Face folder, and the errors for folders that do not hold a usable BERT. */
class CheckpointTest {
    @TempDir
    Path dir;

    static final Checkpoint MINILM = Pretrained.get("minilm-l6").checkpoint();

    private void writeFolder(Map<String, StoredTensor> tensors, String config, String tokenizer) throws Exception {
        Files.writeString(dir.resolve("config.json"), config);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer);
        Safetensors.write(dir.resolve("model.safetensors"), tensors);
    }

    @Test
    void roundTripsThroughSafetensorsWithBertPrefixAndExtraTensors() throws Exception {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        MINILM.tensors().forEach((name, t) -> tensors.put("bert." + name, t));
        tensors.put("bert.pooler.dense.bias", new StoredTensor(new long[] {384}, new float[384]));
        writeFolder(tensors, ((Bert.Config) MINILM.config()).toJson(), MINILM.tokenizer());

        Checkpoint loaded = Checkpoint.fromHuggingFace(dir);
        assertEquals(MINILM.config(), loaded.config());
        assertEquals(MINILM.tensors().keySet(), loaded.tensors().keySet());
        String name = "encoder.layer.3.attention.self.key.weight";
        assertArrayEquals(MINILM.tensors().get(name).data(), loaded.tensors().get(name).data());
        assertArrayEquals(MINILM.tensors().get(name).shape(), loaded.tensors().get(name).shape());
    }

    @Test
    void aHuggingFaceFolderIsAModelByItsPath() throws Exception {
        writeFolder(MINILM.tensors(), ((Bert.Config) MINILM.config()).toJson(), MINILM.tokenizer());
        StringBuilder docs = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            docs.append("{\"text\": \"the meal was ").append(i % 2 == 0 ? "lovely" : "awful").append(" on day ")
                    .append(i).append("\", \"label\": ").append(i % 2).append("}\n");
        }
        Path task = Files.writeString(dir.resolve("meals.jsonl"), docs.toString());
        Path out = dir.resolve("out");
        int status = w2s.cli.Main.execute("run", "--task", task.toString(), "--weak", "bow", "--strong", dir.toString(),
                "--mode", "finetune", "--n-train", "24", "--n-test", "16", "--batch-size", "8", "--epochs", "1",
                "--min-steps", "0", "--cache", dir.resolve("cache").toString(), "--out", out.toString());
        assertEquals(0, status);
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"name\" : \"" + dir + "\""), "the folder is the strong model's name");
    }

    @Test
    void namesTheFileAndTensorThatIsMissing() throws Exception {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(MINILM.tensors());
        tensors.remove("encoder.layer.5.output.dense.bias");
        writeFolder(tensors, ((Bert.Config) MINILM.config()).toJson(), MINILM.tokenizer());
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("'encoder.layer.5.output.dense.bias' is missing"),
                e.getMessage());
    }

    @Test
    void namesTheTensorWithTheWrongShape() throws Exception {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(MINILM.tensors());
        tensors.put("encoder.layer.2.intermediate.dense.bias", new StoredTensor(new long[] {1535}, new float[1535]));
        writeFolder(tensors, ((Bert.Config) MINILM.config()).toJson(), MINILM.tokenizer());
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("'encoder.layer.2.intermediate.dense.bias' has shape [1535]"), e.getMessage());
    }

    @Test
    void refusesConfigsItWouldGetWrong() throws Exception {
        String config = ((Bert.Config) MINILM.config()).toJson();
        writeFolder(MINILM.tensors(), config.replace("\"bert\"", "\"roberta\""), MINILM.tokenizer());
        var type = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(type.getMessage().contains("config.json: model_type 'roberta' is not supported"), type.getMessage());

        Files.writeString(dir.resolve("config.json"), config.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\""));
        var act = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(act.getMessage().contains("hidden_act 'relu' is not supported"), act.getMessage());
    }

    @Test
    void refusesATokenizerOfAnotherVocabulary() throws Exception {
        String tokenizer = MINILM.tokenizer().replace("\"[PAD]\": 0,", "\"[PAD]\": 0, \"extra-token\": 30522,");
        writeFolder(MINILM.tensors(), ((Bert.Config) MINILM.config()).toJson(), tokenizer);
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("the tokenizer has 30523 tokens but the token embedding matrix has 30522 rows"), e.getMessage());
    }

    @Test
    void refusesAQuantizedOnnxModel() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.fromOnnxResource("all-minilm-l6-v2-q", 12, 1e-12));
        assertTrue(e.getMessage().startsWith("all-minilm-l6-v2-q.onnx: initializer '")
                && e.getMessage().contains("is quantized; fine-tuning needs the fp32 export"), e.getMessage());
    }

    @Test
    void readsHalfPrecision() {
        assertEquals(1.0f, Safetensors.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, Safetensors.halfToFloat((short) 0xC000));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, Safetensors.halfToFloat((short) 0xFC00));
    }
}
