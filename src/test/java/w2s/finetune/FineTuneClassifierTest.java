package w2s.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.model.arch.Weights;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.data.Example;
import w2s.model.arch.Batch;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.model.source.Pretrained;
import w2s.train.Classifier;
import w2s.train.Loss;
import w2s.train.Losses;
import w2s.train.TrainConfig;

/** Fine-tuning MiniLM on a few sentences: it learns, and its gradient plumbing matches the reference's. */
class FineTuneClassifierTest {
    static final Pretrained MINILM = Pretrained.get("minilm-l6");
    static final List<Example> SENTENCES = new ArrayList<>();

    static {
        String[] good = {"a wonderful, moving film", "I loved every minute of it", "brilliant acting and a great story",
            "the best meal I have had in years", "delightful and charming", "an excellent, friendly hotel",
            "superb music, highly recommended", "what a fantastic day"};
        String[] bad = {"a dull, pointless film", "I hated every minute of it", "awful acting and a boring story",
            "the worst meal I have had in years", "tedious and annoying", "a dirty, rude hotel",
            "terrible music, avoid it", "what a miserable day"};
        for (int i = 0; i < good.length; i++) {
            SENTENCES.add(new Example("g" + i, good[i], 1));
            SENTENCES.add(new Example("b" + i, bad[i], 0));
        }
    }

    static double[][] oneHot(List<Example> examples) {
        return examples.stream().map(e -> e.label() == 1 ? new double[] {0, 1} : new double[] {1, 0})
                .toArray(double[][]::new);
    }

    static double accuracy(double[][] probs, List<Example> examples) {
        int right = 0;
        for (int i = 0; i < probs.length; i++) if ((probs[i][1] > 0.5 ? 1 : 0) == examples.get(i).label()) right++;
        return (double) right / probs.length;
    }

    @Test
    void learnsASmallTaskAndReportsProgressToTheMonitor() {
        var classifier = new FineTuneClassifier(MINILM, FineTuneConfig.defaults().withMinibatch(4));
        TrainConfig config = new TrainConfig(4, 8, 1e-4, 0, "cosine", 2, 7);
        List<Integer> steps = new ArrayList<>();
        Classifier.Trained trained = classifier.fit(SENTENCES, oneHot(SENTENCES), Losses.get("xent"), config,
                (step, total, model) -> {
                    assertEquals(8, total);
                    double[][] p = model.predict(SENTENCES.subList(0, 3));
                    assertEquals(3, p.length);
                    assertEquals(1.0, p[0][0] + p[0][1], 1e-9);
                    steps.add(step);
                });
        assertEquals(List.of(2, 4, 6, 8), steps);
        assertEquals(1.0, accuracy(trained.predict(SENTENCES), SENTENCES));
        assertEquals(0, trained.predict(List.of()).length);
        ((FineTuneClassifier.Model) trained).close();
    }

    /**
     * The loss sees the whole batch whatever the minibatch size (logconf's quantile would notice otherwise), and
     * keeping the graphs or recomputing the forward gives the same update.
     */
    @Test
    void minibatchesAndRecomputationDoNotChangeTheStep() {
        TrainConfig config = new TrainConfig(1, 8, 1e-3, 0, "constant", 0, 3);
        List<Example> train = SENTENCES.subList(0, 12); // 1 epoch, batch 8: one step
        List<double[][]> results = new ArrayList<>();
        for (FineTuneConfig settings : List.of(FineTuneConfig.defaults().withMinibatch(8),
                FineTuneConfig.defaults().withMinibatch(1), FineTuneConfig.defaults().withMinibatch(3).withKeepGraphs(false))) {
            // Two epochs of one step each: the first step only moves the zero head, the second the whole encoder.
            var trained = new FineTuneClassifier(MINILM, settings).fit(train, oneHot(train), Losses.get("logconf"),
                    new TrainConfig(2, 8, config.lr(), 0, "constant", 0, 3), Classifier.Monitor.NONE);
            results.add(trained.predict(SENTENCES));
        }
        double moved = 0;
        for (double[] p : results.get(0)) moved = Math.max(moved, Math.abs(p[1] - 0.5));
        assertTrue(moved > 0.01, "the steps barely changed the predictions: " + moved);
        for (int r = 1; r < results.size(); r++) {
            for (int i = 0; i < SENTENCES.size(); i++) {
                assertArrayEquals(results.get(0)[i], results.get(r)[i], 1e-4, "variant " + r + ", sentence " + i);
            }
        }
    }

    /**
     * torch's Adam with bias correction moves each weight by lr·g/(|g| + eps) on its first step: ±lr unless g is
     * tiny. The zero head leaves the encoder's gradient at zero then, so only the head moves.
     */
    @Test
    void firstStepIsTorchsAdamOnTheHeadAlone() {
        Checkpoint checkpoint = MINILM.checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, SENTENCES.stream().map(Example::text).toList());
        double lr = 1e-3;
        try (Scope scope = Scope.open();
             FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults())) {
            tuner.step(rows, oneHot(SENTENCES), new int[] {0, 1, 2, 3}, Losses.get("xent"), 0, lr, 0, 0);
            // |g| >> eps for all but the odd dimension that is (nearly) constant across the batch
            float[] head = tuner.head().toFloatArray();
            int atLr = 0;
            for (float w : head) {
                assertTrue(Math.abs(w) <= lr * (1 + 1e-6), "moved by " + w);
                if (Math.abs(Math.abs(w) - lr) < 1e-4 * lr) atLr++;
            }
            assertTrue(atLr > 0.98 * head.length, atLr + " of " + head.length + " weights moved by lr");
            List<Tensor> pretrained = List.copyOf(checkpoint.backbone(Weights.fp32(null)).parameters().values());
            List<Tensor> tuned = List.copyOf(tuner.encoder().parameters().values());
            for (int i = 0; i < tuned.size(); i++) assertTrue(tuned.get(i).contentEquals(pretrained.get(i)), "parameter " + i);
        }
    }

    /**
     * AdamW decays the weights themselves: on the first step the zero head leaves the encoder's gradient at zero, so
     * each encoder weight becomes exactly p·(1 − lr·wd); Adam's coupled decay would move it by about lr instead.
     */
    @Test
    void adamwDecaysTheWeightsOnTheirOwn() {
        Checkpoint checkpoint = MINILM.checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, SENTENCES.stream().map(Example::text).toList());
        double lr = 1e-3, wd = 0.1;
        TrainConfig adamw = new TrainConfig(1, 4, lr, wd, "constant", 0, 0, 0, "adamw", 0.95, 0);
        try (Scope scope = Scope.open();
             FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults(), adamw)) {
            tuner.step(rows, oneHot(SENTENCES), new int[] {0, 1, 2, 3}, Losses.get("xent"), 0, lr, wd, 0);
            List<Tensor> pretrained = List.copyOf(checkpoint.backbone(Weights.fp32(null)).parameters().values());
            List<Tensor> tuned = List.copyOf(tuner.encoder().parameters().values());
            for (int i = 0; i < tuned.size(); i++) {
                Tensor expected = pretrained.get(i).mul(1 - lr * wd);
                assertEquals(0, tuned.get(i).sub(expected).abs().max(), 1e-6, "parameter " + i);
            }
        }
    }

    /** Dropout on the head's input: seeded (the same seed drops the same units), and off when predicting. */
    @Test
    void dropoutIsSeededAndOnlyInTraining() {
        Checkpoint checkpoint = MINILM.checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, SENTENCES.stream().map(Example::text).toList());
        TrainConfig dropout = new TrainConfig(1, 4, 1e-3, 0, "constant", 0, 5, 0, "adam", null, 0.5);
        try (FineTuner a = new FineTuner(checkpoint, FineTuneConfig.defaults(), dropout);
             FineTuner b = new FineTuner(checkpoint, FineTuneConfig.defaults(), dropout);
             FineTuner recomputing = new FineTuner(checkpoint, FineTuneConfig.defaults().withKeepGraphs(false)
                     .withMinibatch(2), dropout);
             FineTuner plain = new FineTuner(checkpoint, FineTuneConfig.defaults())) {
            for (int step = 0; step < 2; step++) {
                for (FineTuner t : List.of(a, b, recomputing, plain)) {
                    t.step(rows, oneHot(SENTENCES), new int[] {0, 1, 2, 3}, Losses.get("xent"), 0, 1e-3, 0, step);
                }
            }
            assertTrue(a.head().contentEquals(b.head()), "same seed, same masks");
            assertFalse(a.head().contentEquals(plain.head()), "dropout changed nothing");
            // Recomputing each minibatch's graph sees the same mask as the first pass: the gradient stays exact.
            assertEquals(0, a.head().sub(recomputing.head()).abs().max(), 1e-6);
            assertArrayEquals(a.predict(rows)[0], a.predict(rows)[0], 0.0);
        }
    }

    @Test
    void frozenLayersStayAtTheirPretrainedValues() {
        Checkpoint checkpoint = MINILM.checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, SENTENCES.stream().map(Example::text).toList());
        int[] batch = {0, 1, 2, 3, 4, 5, 6, 7};
        try (Scope scope = Scope.open();
             FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults().withFreezeLayers(2))) {
            List<Tensor> pretrained = List.copyOf(checkpoint.backbone(Weights.fp32(null)).parameters().values());
            for (int step = 0; step < 2; step++) {
                tuner.step(rows, oneHot(SENTENCES), batch, Losses.get("xent"), 0, 1e-3, 0, step);
            }
            List<Tensor> tuned = List.copyOf(tuner.encoder().parameters().values());
            int frozen = 5 + 2 * 12; // the embeddings and two blocks
            for (int i = 0; i < tuned.size(); i++) {
                boolean same = tuned.get(i).contentEquals(pretrained.get(i));
                assertEquals(i < frozen, same, "parameter " + i);
            }
            assertFalse(tuner.head().contentEquals(tuner.head().zerosLike()));
        }
    }

    /** Updating only the word-embedding rows of tokens seen so far is exactly torch's dense Adam update. */
    @Test
    void sparseEmbeddingUpdateEqualsTheDenseOne() {
        Checkpoint checkpoint = MINILM.checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, SENTENCES.stream().map(Example::text).toList());
        try (Scope scope = Scope.open();
             FineTuner sparse = new FineTuner(checkpoint, FineTuneConfig.defaults());
             FineTuner dense = new FineTuner(checkpoint, FineTuneConfig.defaults())) {
            dense.sparseEmbeddingRows = false;
            for (int step = 0; step < 3; step++) {
                int[] batch = {2 * step, 2 * step + 1, 2 * step + 5, 2 * step + 8}; // new tokens at every step
                for (FineTuner t : List.of(sparse, dense)) t.step(rows, oneHot(SENTENCES), batch, Losses.get("xent"), 0, 1e-3, 0, step);
            }
            Tensor a = sparse.encoder().wordEmbeddings(), b = dense.encoder().wordEmbeddings();
            assertEquals(0, a.sub(b).abs().max(), 1e-7);
            Tensor pretrained = Tensor.of(null, checkpoint.tensors().get("embeddings.word_embeddings.weight").data(), a.shape());
            assertTrue(a.sub(pretrained).abs().max() > 1e-4, "the embeddings were not trained");
        }
    }

    @Test
    void stopsOnANonFiniteLossNamingStepAndLearningRate() {
        Loss diverging = new Loss() {
            public String name() {
                return "diverging";
            }

            public double[][] target(double[][] logits, double[][] labels, double progress) {
                return progress > 0 ? new double[][] {{Double.NaN, 1}, {0, 1}, {1, 0}, {0, 1}} : labels;
            }
        };
        TrainConfig config = new TrainConfig(1, 4, 2e-5, 0, "constant", 0, 1);
        var e = assertThrows(ArithmeticException.class, () -> new FineTuneClassifier(MINILM, FineTuneConfig.defaults())
                .fit(SENTENCES.subList(0, 8), oneHot(SENTENCES.subList(0, 8)), diverging, config, Classifier.Monitor.NONE));
        assertTrue(e.getMessage().contains("at step 1: diverging loss is NaN") && e.getMessage().contains("last update 2.00e-05"),
                e.getMessage());
    }
}
