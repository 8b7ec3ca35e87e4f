package w2s.model.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.model.arch.Batch;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;

/** The parts of the BERT-base install that need neither the 408 MB jar nor TensorFlow. */
class BertBaseInstallerTest {
    @Test
    void mapsGoogleBertVariableNamesToHuggingFaceNames() {
        assertEquals("embeddings.word_embeddings.weight",
                BertBaseInstaller.huggingFaceName("module/bert/embeddings/word_embeddings"));
        assertEquals("embeddings.LayerNorm.bias", BertBaseInstaller.huggingFaceName("module/bert/embeddings/LayerNorm/beta"));
        assertEquals("encoder.layer.11.attention.self.query.weight",
                BertBaseInstaller.huggingFaceName("module/bert/encoder/layer_11/attention/self/query/kernel"));
        assertEquals("encoder.layer.0.output.LayerNorm.weight",
                BertBaseInstaller.huggingFaceName("bert/encoder/layer_0/output/LayerNorm/gamma"));
        assertEquals("encoder.layer.3.intermediate.dense.bias",
                BertBaseInstaller.huggingFaceName("module/bert/encoder/layer_3/intermediate/dense/bias"));
        assertNull(BertBaseInstaller.huggingFaceName("module/bert/pooler/dense/kernel"));
        assertNull(BertBaseInstaller.huggingFaceName("global_step"));
        // Every tensor the encoder needs is reachable from some TensorFlow name.
        List<String> mapped = new ArrayList<>();
        for (String hf : BertBaseInstaller.CONFIG.shapes().keySet()) {
            String tf = "module/bert/" + hf.replace("layer.", "layer_").replace('.', '/')
                    .replace("_embeddings/weight", "_embeddings").replace("LayerNorm/weight", "LayerNorm/gamma")
                    .replace("LayerNorm/bias", "LayerNorm/beta").replace("/weight", "/kernel");
            mapped.add(BertBaseInstaller.huggingFaceName(tf));
        }
        assertEquals(List.copyOf(BertBaseInstaller.CONFIG.shapes().keySet()), mapped);
    }

    /** The tokenizer.json written from a vocab.txt tokenizes exactly as MiniLM's own (a BERT uncased vocabulary). */
    @Test
    void writesATokenizerEquivalentToHuggingFaces() throws Exception {
        String original = Pretrained.get("minilm-l6").checkpoint().tokenizer();
        JsonNode vocabJson = new ObjectMapper().readTree(original).path("model").path("vocab");
        String[] vocab = new String[vocabJson.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabJson.fields(); it.hasNext(); ) {
            var e = it.next();
            vocab[e.getValue().asInt()] = e.getKey();
        }
        String rebuilt = WordPieceJson.bertTokenizer(List.of(vocab), true);
        List<String> texts = List.of("Hello, World! Ünïcödé façade—naïve café.", "Tokenizers split unbelievably long words",
                "中文 字符 and emoji 🙂 [MASK] [SEP]", "  multiple   spaces\tand\nnewlines  ", "x");
        Tokens.Encoded[] expected = Tokens.encode(original, 64, texts);
        Tokens.Encoded[] actual = Tokens.encode(rebuilt, 64, texts);
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(expected[i].ids(), actual[i].ids(), texts.get(i));
        assertEquals(vocab.length, Checkpoint.tokenizerVocabSize(rebuilt));
    }

    @Test
    void reportsAnEmptyModelsFolderAsNotInstalled(@TempDir Path dir) {
        assertFalse(BertBaseInstaller.installed(dir));
    }

    /** The install passes its child processes' output through without TensorFlow's C++ log lines. */
    @org.junit.jupiter.api.Test
    void tensorFlowLogLinesAreRecognised() {
        org.junit.jupiter.api.Assertions.assertTrue(BertBaseInstaller.TENSORFLOW_LOG.matcher(
                "2024-05-01 12:00:00.123456: I tensorflow/core/platform/cpu_feature_guard.cc:142] Your CPU").find());
        org.junit.jupiter.api.Assertions.assertFalse(BertBaseInstaller.TENSORFLOW_LOG.matcher(
                "read 204 of 204 TensorFlow variables").find());
    }
}
