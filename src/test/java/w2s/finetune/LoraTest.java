package w2s.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import w2s.model.arch.Weights;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;
import w2s.data.Example;
import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Lora;
import w2s.model.arch.Tokens;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.train.TrainConfig;

/** LoRA on every architecture: exact at initialisation, only adapters and head train, bad settings refused. */
class LoraTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final List<String> TEXTS = List.of("the cat sat on the mat", "a fine and happy day", "it was good",
            "she is glad", "the dog bit the man", "an awful and sad day", "it was bad", "he is cross");

    /** MiniLM (BERT) and the tiny decoders: GPT-2, Pythia (GPT-NeoX), Llama with grouped-query attention, Qwen2. */
    static Map<String, Checkpoint> models() throws Exception {
        Map<String, Checkpoint> m = new LinkedHashMap<>();
        m.put("minilm-l6", FineTuneClassifierTest.MINILM.checkpoint());
        for (String tiny : List.of("gpt2", "pythia", "llama-gqa", "qwen2")) {
            m.put(tiny, Checkpoint.fromHuggingFace(TINY.resolve(tiny)));
        }
        return m;
    }

    @Test
    void anAdaptedModelEqualsItsBaseModelAtInitialisation() throws Exception {
        for (var e : models().entrySet()) {
            Checkpoint checkpoint = e.getValue();
            Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, TEXTS);
            try (Scope scope = Scope.open()) {
                Batch batch = Tokens.pad(rows, Tokens.all(rows));
                Backbone base = checkpoint.backbone(Weights.fp32(null)), adapted = checkpoint.backbone(Weights.fp32(null));
                List<Tensor> adapters = List.copyOf(adapted.addLora(new Lora.Config(4, 16, null), 7, Weights.fp32(null))
                        .parameters().values());
                assertFalse(adapters.isEmpty(), e.getKey());
                List<Tensor> expected = base.forward(base.wordVectors(batch.ids()), batch, true);
                List<Tensor> actual = adapted.forward(adapted.wordVectors(batch.ids()), batch, true);
                assertEquals(expected.size(), actual.size());
                for (int l = 0; l < expected.size(); l++) {
                    assertTrue(expected.get(l).contentEquals(actual.get(l)), e.getKey() + " layer " + l);
                }
                // Every linear layer of the blocks carries an adapter by default: two matrices per module.
                assertEquals(2 * adapted.linearModules().size(), adapters.size(), e.getKey());
            }
        }
    }

    /**
     * On a fused matrix each targeted layer's adapter changes only its own rows of the output, by exactly
     * (alpha/r)·(x·Aᵀ)·Bᵀ: LoRA on the value projection of BERT's fused qkv is LoRA on "value" alone.
     */
    @Test
    void anAdapterOnAFusedMatrixIsLoraOnItsOwnSlice() {
        Checkpoint checkpoint = FineTuneClassifierTest.MINILM.checkpoint();
        try (Scope scope = Scope.open()) {
            Backbone model = checkpoint.backbone(Weights.fp32(null));
            Lora lora = Lora.create(model, new Lora.Config(2, 6, List.of("attention.self.value")), 1, Weights.fp32(null));
            assertEquals(2 * 6, lora.parameters().size(), "value of each of the 6 layers");
            Tensor b = lora.parameters().get("encoder.layer.0.attention.self.value.lora_B.weight");
            try (Torch.Mode noGrad = Torch.noGrad()) {
                Torch.seed(11);
                b.copyFrom(Tensor.randn(null, b.shape()));
            }
            Tensor a = lora.parameters().get("encoder.layer.0.attention.self.value.lora_A.weight");
            Tensor x = Tensor.randn(null, 3, 5, 384);
            String name = "encoder.layer.0.attention.self.qkv.weight";
            Tensor w = model.parameters().get(name), bias = model.parameters().get("encoder.layer.0.attention.self.qkv.bias");
            Tensor adapted = lora.linear(name, x, w, bias), plain = Lora.NONE.linear(name, x, w, bias);
            assertTrue(adapted.slice(-1, 0, 768).contentEquals(plain.slice(-1, 0, 768)), "query and key untouched");
            Tensor expected = plain.slice(-1, 768, 1152).add(x.matMul(a.transpose(1, 0)).mul(3f).matMul(b.transpose(1, 0)));
            assertEquals(0, adapted.slice(-1, 768, 1152).sub(expected).abs().max(), 1e-4);
        }
    }

    @Test
    void trainingMovesOnlyTheAdaptersAndTheHead() throws Exception {
        Map<String, Checkpoint> models = models();
        for (String name : List.of("minilm-l6", "llama-gqa", "pythia")) {
            Checkpoint checkpoint = models.get(name);
            Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, TEXTS);
            double[][] labels = new double[TEXTS.size()][];
            for (int i = 0; i < labels.length; i++) labels[i] = i < 4 ? new double[] {0, 1} : new double[] {1, 0};
            FineTuneConfig settings = FineTuneConfig.defaults().withMinibatch(4)
                    .withPooling(checkpoint.config().causal() ? Pooling.LAST : Pooling.MEAN)
                    .withLora(new Lora.Config(4, 8, null));
            try (Scope scope = Scope.open(); FineTuner tuner = new FineTuner(checkpoint, settings, 3)) {
                List<Tensor> pretrained = List.copyOf(checkpoint.backbone(Weights.fp32(null)).parameters().values());
                Map<String, Tensor> before = new LinkedHashMap<>();
                Lora lora = tuner.lora();
                lora.parameters().forEach((k, v) -> before.put(k, v.copy()));
                List<Double> losses = new ArrayList<>();
                for (int step = 0; step < 4; step++) {
                    losses.add(tuner.step(rows, labels, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, Losses.get("xent"), 0, 1e-2,
                            0, step));
                }
                List<Tensor> tuned = List.copyOf(tuner.encoder().parameters().values());
                assertEquals(pretrained.size(), tuned.size());
                for (int i = 0; i < tuned.size(); i++) {
                    assertTrue(tuned.get(i).contentEquals(pretrained.get(i)), name + ": base parameter " + i + " moved");
                }
                before.forEach((k, v) -> assertFalse(v.contentEquals(lora.parameters().get(k)), name + ": " + k
                        + " did not train"));
                assertFalse(tuner.head().contentEquals(tuner.head().zerosLike()), name + ": head");
                assertTrue(losses.get(3) < losses.get(0), name + ": " + losses);
                long adapters = lora.parameters().values().stream().mapToLong(Tensor::numel).sum();
                assertEquals(adapters + tuner.head().numel(), tuner.trainableParameters(), name);
                long base = pretrained.stream().mapToLong(Tensor::numel).sum();
                assertEquals(base + adapters + tuner.head().numel(), tuner.totalParameters(), name);
            }
        }
    }

    /** MiniLM's count by hand: per layer, r·(in + out) for q, k, v, attention output, intermediate and output. */
    @Test
    void countsTrainableParametersAsLora() {
        final long BASE = w2s.model.source.Pretrained.parameters(FineTuneClassifierTest.MINILM.config());
        FineTuneConfig settings = FineTuneConfig.defaults().withLora(Lora.Config.of(8));
        try (FineTuner tuner = new FineTuner(FineTuneClassifierTest.MINILM.checkpoint(), settings, 0)) {
            long perLayer = 8L * (4 * (384 + 384) + (384 + 1536) + (1536 + 384));
            assertEquals(6 * perLayer + 2 * 384, tuner.trainableParameters());
            assertEquals(BASE + 6 * perLayer + 2 * 384, tuner.totalParameters());
        }
        try (FineTuner full = new FineTuner(FineTuneClassifierTest.MINILM.checkpoint(), FineTuneConfig.defaults())) {
            assertEquals(full.totalParameters(), full.trainableParameters());
            assertEquals(BASE + 2 * 384, full.totalParameters());
        }
    }

    @Test
    void aLoraStudentLearnsAndReportsItsFootprint() {
        var classifier = new FineTuneClassifier(FineTuneClassifierTest.MINILM,
                FineTuneConfig.defaults().withMinibatch(8).withLora(Lora.Config.of(8)));
        List<Example> train = FineTuneClassifierTest.SENTENCES;
        Classifier.Trained trained = classifier.fit(train, FineTuneClassifierTest.oneHot(train), Losses.get("xent"),
                new TrainConfig(6, 8, 1e-3, 0, "constant", 0, 5), Classifier.Monitor.NONE);
        assertEquals(1.0, FineTuneClassifierTest.accuracy(trained.predict(train), train));
        Classifier.Footprint f = trained.footprint();
        assertEquals("fp32", f.dtype());
        assertEquals("cpu", f.device());
        assertTrue(f.trainableParameters() < f.totalParameters() / 50, f.toString());
        assertTrue(classifier.describe().contains("LoRA r=8"), classifier.describe());
        ((FineTuneClassifier.Model) trained).close();
    }

    @Test
    void refusesTargetsThatMatchNothingNamingTheModulesThereAre() throws Exception {
        Checkpoint llama = Checkpoint.fromHuggingFace(TINY.resolve("llama-gqa"));
        try (Scope scope = Scope.open()) {
            Backbone model = llama.backbone(Weights.fp32(null));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> model.addLora(new Lora.Config(8, 8, List.of("q_proj", "query")), 0, Weights.fp32(null)));
            assertTrue(e.getMessage().contains("'query' matches no linear layer")
                    && e.getMessage().contains("layers.N.self_attn.q_proj")
                    && e.getMessage().contains("layers.N.mlp.down_proj"), e.getMessage());
        }
        try (Scope scope = Scope.open()) {
            Backbone bert = FineTuneClassifierTest.MINILM.checkpoint().backbone(Weights.fp32(null));
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Lora.create(bert, new Lora.Config(8, 8, List.of("q_proj")), 0, Weights.fp32(null)));
            assertTrue(e.getMessage().contains("encoder.layer.N.attention.self.query")
                    && e.getMessage().contains("encoder.layer.N.output.dense") && e.getMessage().contains("N = 0 … 5"),
                    e.getMessage());
        }
    }

    @Test
    void refusesARankBelowOneWithTargetsOrAlpha() {
        assertNull(Lora.Config.of(null, null, null));
        assertNull(Lora.Config.of(0, null, null));
        var e = assertThrows(IllegalArgumentException.class, () -> Lora.Config.of(0, null, List.of("query")));
        assertTrue(e.getMessage().contains("targets [query] given with LoRA rank 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lora.Config.of(null, null, List.of("query")));
        assertTrue(e.getMessage().contains("rank unset"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lora.Config.of(-2, null, List.of("query")));
        assertTrue(e.getMessage().contains("got -2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lora.Config.of(-2, null, null));
        assertTrue(e.getMessage().contains("got -2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Lora.Config.of(8, 0.0, null));
        Lora.Config c = Lora.Config.of(8, null, null);
        assertEquals(8.0, c.alpha());
        assertEquals(List.of(Lora.ALL_LINEAR), c.targets());
        e = assertThrows(IllegalArgumentException.class,
                () -> FineTuneConfig.defaults().withFreezeLayers(2).withLora(c));
        assertTrue(e.getMessage().contains("--freeze-layers 2 cannot be combined"), e.getMessage());
    }
}
