package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.model.source.Pretrained;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * Which matrix each architecture's LM head is, that an untied head is read only for a language model, and that a
 * model without one says so. (Its logits are checked against the reference in {@code w2s.generate.GreedyTest}.)
 */
class LmHeadTest {
    static final Path TINY = Path.of("src/test/resources/tiny");

    @TempDir
    Path dir;

    /** Tied heads are the token embeddings: GPT-2 always, Llama and Qwen2 with tie_word_embeddings. */
    @Test
    void tiedHeadsAreTheTokenEmbeddings() throws Exception {
        for (String name : List.of("gpt2", "llama-bias", "qwen2")) {
            Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve(name));
            assertTrue(checkpoint.config().tiedLmHead(), name);
            try (Scope scope = Scope.open()) {
                Backbone model = checkpoint.languageModel(Weights.fp32(null));
                assertSame(model.wordEmbeddings(), model.lmHead(), name);
                assertFalse(model.parameters().containsKey("lm_head.weight"), name);
                assertEquals(checkpoint.backbone(Weights.fp32(null)).parameters().keySet(), model.parameters().keySet());
                Tensor logits = model.logits(Tensor.zeros(null, 2, 3, checkpoint.config().hidden()));
                assertArrayEquals(new long[] {2, 3, checkpoint.config().vocabSize()}, logits.shape(), name);
                assertEquals(Dtype.FP32, logits.dtype());
            }
        }
    }

    /** Pythia's embed_out and Llama's lm_head: read only by languageModel, then a parameter that trains. */
    @Test
    void untiedHeadsAreReadOnlyForALanguageModel() throws Exception {
        String[][] cases = {{"pythia", "embed_out.weight"}, {"pythia-sequential", "embed_out.weight"},
                {"llama-gqa", "lm_head.weight"}};
        for (String[] c : cases) {
            Checkpoint checkpoint = Checkpoint.fromHuggingFace(TINY.resolve(c[0]));
            ArchConfig config = checkpoint.config();
            assertFalse(config.tiedLmHead(), c[0]);
            assertEquals(c[1], config.lmHeadName(), c[0]);
            try (Scope scope = Scope.open()) {
                Backbone plain = checkpoint.backbone(Weights.fp32(null));
                assertFalse(plain.parameters().containsKey(c[1]), "classification does not pay for the head");
                var e = assertThrows(IllegalStateException.class, plain::lmHead);
                assertTrue(e.getMessage().contains("Checkpoint.languageModel"), e.getMessage());

                Backbone lm = checkpoint.languageModel(Weights.fp32(null));
                Tensor head = lm.lmHead();
                assertSame(head, lm.parameters().get(c[1]), "a parameter under its checkpoint name");
                assertArrayEquals(checkpoint.tensors().get(c[1]).data(), head.toFloatArray(), c[0]);
                assertEquals(config.layers() + 1, lm.blockOf(c[1]));
                assertTrue(lm.setTrainable(0).contains(head), "full fine-tuning trains the head");
                lm.addLora(Lora.Config.of(2), 0, Weights.fp32(null));
                assertFalse(head.requiresGrad(), "LoRA freezes the head");
            }
        }
    }

    @Test
    void anEncoderHasNoHead() {
        Checkpoint minilm = Pretrained.get("minilm-l6").checkpoint();
        var e = assertThrows(IllegalArgumentException.class, () -> minilm.languageModel(Weights.fp32(null)));
        assertTrue(e.getMessage().contains(minilm.origin()) && e.getMessage().contains("encoder"), e.getMessage());
        try (Scope scope = Scope.open()) {
            Backbone model = minilm.backbone(Weights.fp32(null));
            var e2 = assertThrows(IllegalArgumentException.class, model::lmHead);
            assertTrue(e2.getMessage().contains("encoder"), e2.getMessage());
        }
    }

    /** An untied config whose checkpoint has no head: extraction still loads it, a language model is refused. */
    @Test
    void aDecoderWithoutOutputWeightsIsRefusedAsALanguageModel() throws Exception {
        Path folder = LlamaTest.copy(TINY.resolve("llama-bias"), dir.resolve("headless"));
        LlamaTest.editConfig(folder, c -> c.put("tie_word_embeddings", false));
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(folder);
        try (Scope scope = Scope.open()) {
            checkpoint.backbone(Weights.fp32(null));
            var e = assertThrows(IllegalArgumentException.class, () -> checkpoint.languageModel(Weights.fp32(null)));
            assertTrue(e.getMessage().contains(folder.toString()) && e.getMessage().contains("tie_word_embeddings")
                    && e.getMessage().contains("'lm_head.weight'"), e.getMessage());
        }
    }
}
