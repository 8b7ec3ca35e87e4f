package w2s.model.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.model.arch.Safetensors;
import w2s.model.arch.StoredTensor;

/** A model folder's fingerprint (its cache identity) follows its weights, not only their shapes, wherever it lies. */
class PretrainedTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2");

    @Test
    void sameShapesOtherWeightsAreAnotherModel(@TempDir Path dir) throws Exception {
        Path copy = copyOf(dir.resolve("copy"), Map.of());
        float[] changed = new float[48];
        java.util.Arrays.fill(changed, 0.5f);
        Path edited = copyOf(dir.resolve("edited"), Map.of("transformer.h.0.ln_1.weight", new StoredTensor(new long[] {48}, changed)));
        assertEquals(Pretrained.fingerprint(GPT2), Pretrained.fingerprint(copy), "the same model in another folder");
        assertNotEquals(Pretrained.fingerprint(GPT2), Pretrained.fingerprint(edited), "one LayerNorm weight differs");
    }

    private static Path copyOf(Path to, Map<String, StoredTensor> replace) throws Exception {
        Files.createDirectories(to);
        for (String f : List.of("config.json", "tokenizer.json")) Files.copy(GPT2.resolve(f), to.resolve(f));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(Safetensors.read(GPT2.resolve("model.safetensors")));
        if (replace.isEmpty()) {
            Files.copy(GPT2.resolve("model.safetensors"), to.resolve("model.safetensors"));
        } else {
            tensors.putAll(replace);
            Safetensors.write(to.resolve("model.safetensors"), tensors);
        }
        return to;
    }
}
