package w2s.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.data.Example;
import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.train.TrainConfig;

/**
 * Fine-tuning beyond two classes, on the tiny random GPT-2: a K-way head and a choice task's shared scalar score. The
 * first Adam step on a zero head is checked against the gradient computed here by hand from the pretrained pooled
 * states (softmax of zero logits is uniform, so dLoss/dW_k = mean_i (1/K − y_ik) h_i, and Adam's first step moves
 * each weight by −lr·sign(g)); training lowers the loss and predictions are distributions.
 */
class FineTuneItemsTest {
    static final Path GPT2 = Path.of("src/test/resources/tiny/gpt2");
    static final List<String> TEXTS = List.of("the cat sat on the mat", "a fine and happy day", "it was good",
            "she is glad", "the dog bit the man", "an awful and sad day", "it was bad", "he is cross",
            "rain again today", "the soup was hot");

    static Checkpoint gpt2() {
        try {
            return Checkpoint.fromHuggingFace(GPT2);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The pretrained backbone's pooled states of the texts, [N][H], as the fine-tuner's head reads them. */
    static float[][] pooled(Checkpoint checkpoint, List<String> texts) {
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, texts);
        try (Scope scope = Scope.open()) {
            Backbone backbone = checkpoint.backbone(Weights.fp32(null));
            Batch batch = Tokens.pad(rows, Tokens.all(rows));
            Tensor hidden = backbone.forward(backbone.wordVectors(batch.ids()), batch, false).get(0);
            Tensor pooled = FineTuneConfig.defaults().pooling().pool(hidden, batch.mask(),
                    Pooling.closingTokens(checkpoint.config().causal()));
            int n = texts.size(), h = (int) pooled.size(1);
            float[] flat = pooled.toFloatArray();
            float[][] out = new float[n][h];
            for (int i = 0; i < n; i++) System.arraycopy(flat, i * h, out[i], 0, h);
            return out;
        }
    }

    /** Every weight with a clear gradient moved by exactly −lr·sign(g); none moved by more than lr. */
    static void assertAdamsFirstStep(double[][] gradient, float[] head, double lr) {
        int h = gradient[0].length, checked = 0;
        for (int k = 0; k < gradient.length; k++) {
            for (int j = 0; j < h; j++) {
                float w = head[k * h + j];
                assertTrue(Math.abs(w) <= lr * (1 + 1e-5), "moved by " + w);
                if (Math.abs(gradient[k][j]) > 1e-4) {
                    assertEquals(-lr * Math.signum(gradient[k][j]), w, 1e-4 * lr, "weight " + k + "," + j);
                    checked++;
                }
            }
        }
        assertTrue(checked > 0.9 * gradient.length * h, checked + " weights with a clear gradient");
    }

    @Test
    void firstStepOnAThreeWayHeadIsAdamOnTheHandComputedGradient() throws Exception {
        Checkpoint checkpoint = gpt2();
        double[][] labels = new double[TEXTS.size()][];
        for (int i = 0; i < labels.length; i++) {
            // soft K-vectors, as weak labels are
            labels[i] = switch (i % 3) {
                case 0 -> new double[] {0.7, 0.2, 0.1};
                case 1 -> new double[] {0.1, 0.8, 0.1};
                default -> new double[] {0.25, 0.25, 0.5};
            };
        }
        int[] batch = {0, 1, 2, 3, 4, 5, 6};
        float[][] h = pooled(checkpoint, TEXTS);
        double[][] g = new double[3][h[0].length];
        for (int i : batch) {
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < h[i].length; j++) g[k][j] += (1.0 / 3 - labels[i][k]) * h[i][j] / batch.length;
            }
        }
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, TEXTS);
        double lr = 1e-3;
        try (Scope scope = Scope.open();
             FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults().withMinibatch(3), null, 3)) {
            double loss = tuner.step(rows, labels, batch, Losses.get("xent"), 0, lr, 0, 0);
            // cross-entropy of the uniform prediction: log 3, whatever the (normalised) target
            assertEquals(Math.log(3), loss, 1e-6);
            assertEquals(List.of(3L, (long) h[0].length), List.of(tuner.head().size(0), tuner.head().size(1)));
            assertAdamsFirstStep(g, tuner.head().toFloatArray(), lr);
            double[][] p = tuner.predict(rows);
            for (double[] row : p) {
                assertEquals(3, row.length);
                assertEquals(1, row[0] + row[1] + row[2], 1e-9);
            }
            // rows of the wrong width are refused
            assertThrows(IllegalArgumentException.class, () -> tuner.step(rows, new double[][] {{0.5, 0.5}, {1, 0}},
                    new int[] {0, 1}, Losses.get("xent"), 0, lr, 0, 1));
        }
    }

    @Test
    void firstChoiceStepIsAdamOnTheCandidatesHandComputedGradient() throws Exception {
        Checkpoint checkpoint = gpt2();
        // items of 3, 2, 4 and 1 candidates: rows are item after item
        int[] start = {0, 3, 5, 9, 10};
        double[][] labels = {{0.6, 0.3, 0.1}, {0, 1}, {0.1, 0.2, 0.3, 0.4}, {1}};
        // not in row order, so the candidates' scores must find their items; item 0 twice (a caller's batch may
        // repeat an item, as step's may repeat a row): each occurrence counts
        int[] items = {2, 0, 1, 0};
        float[][] h = pooled(checkpoint, TEXTS);
        double[][] g = new double[1][h[0].length];
        for (int b : items) {
            int c = start[b + 1] - start[b];
            for (int r = start[b]; r < start[b + 1]; r++) {
                for (int j = 0; j < h[r].length; j++) {
                    g[0][j] += (1.0 / c - labels[b][r - start[b]]) * h[r][j] / items.length;
                }
            }
        }
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, TEXTS);
        double lr = 1e-3;
        try (Scope scope = Scope.open();
             FineTuner tuner = new FineTuner(checkpoint, FineTuneConfig.defaults().withMinibatch(4), null, 1)) {
            double loss = tuner.stepChoices(rows, start, labels, items, Losses.get("xent"), 0, lr, 0, 0);
            assertEquals((Math.log(4) + Math.log(3) + Math.log(2) + Math.log(3)) / 4, loss, 1e-6);
            assertEquals(1L, tuner.head().size(0));
            assertAdamsFirstStep(g, tuner.head().toFloatArray(), lr);
            double[][] p = tuner.predictChoices(rows, start);
            assertEquals(4, p.length);
            for (int j = 0; j < p.length; j++) {
                assertEquals(start[j + 1] - start[j], p[j].length);
                double sum = 0;
                for (double v : p[j]) sum += v;
                assertEquals(1, sum, 1e-9);
            }
            assertEquals(1.0, p[3][0], 0.0);
            assertThrows(IllegalStateException.class, () -> tuner.predict(rows));
        }
    }

    /** A choice fine-tune lowers its loss, and predicts each item's distribution over its own candidates. */
    @Test
    void choiceFineTuningLowersItsLossAndPredictsDistributions() throws Exception {
        List<List<String>> items = new ArrayList<>();
        List<double[]> labels = new ArrayList<>();
        String[] good = {"a fine and happy day", "it was good", "she is glad", "what a lovely meal"};
        String[] bad = {"an awful and sad day", "it was bad", "he is cross", "what a horrid meal", "rain again"};
        for (int i = 0; i < 8; i++) {
            List<String> c = new ArrayList<>();
            c.add("Which is cheerful?\n\n" + bad[i % bad.length]);
            c.add("Which is cheerful?\n\n" + good[i % good.length]);
            if (i % 2 == 0) c.add("Which is cheerful?\n\n" + bad[(i + 2) % bad.length]);
            items.add(c);
            labels.add(c.size() == 2 ? new double[] {0.2, 0.8} : new double[] {0.1, 0.8, 0.1});
        }
        FineTuneChooser chooser = new FineTuneChooser("gpt2", () -> gpt2(),
                FineTuneConfig.defaults().withMinibatch(8).withMaxTokens(64));
        List<Double> losses = new ArrayList<>();
        // the whole set in every batch, constant lr: the loss of the same batch falls step after step
        TrainConfig config = new TrainConfig(12, 8, 3e-3, 0, "constant", 0, 1);
        try (FineTuneChooser.Model model = chooser.fit(items, labels.toArray(double[][]::new), Losses.get("xent"),
                config, (step, total, loss) -> losses.add(loss))) {
            assertEquals(12, losses.size());
            assertTrue(losses.get(11) < losses.get(0) - 0.05, "loss " + losses);
            double[][] p = model.predict(items);
            for (int j = 0; j < items.size(); j++) {
                assertEquals(items.get(j).size(), p[j].length);
                assertEquals(1, java.util.Arrays.stream(p[j]).sum(), 1e-9);
                assertTrue(p[j][1] > 1.0 / p[j].length, "item " + j + ": the preferred candidate gained, " + p[j][1]);
            }
            assertEquals(0, model.predict(List.of()).length);
        }
    }

    /** K classes through the Classifier: the head's width comes from the labels, and K-vectors come back. */
    @Test
    void aClassifierTakesItsWidthFromTheLabels() {
        List<Example> train = new ArrayList<>();
        double[][] labels = new double[9][];
        for (int i = 0; i < 9; i++) {
            train.add(new Example("x" + i, TEXTS.get(i), 0));
            labels[i] = new double[4];
            labels[i][i % 4] = 1;
        }
        var classifier = new FineTuneClassifier("gpt2", () -> gpt2(),
                FineTuneConfig.defaults().withMinibatch(9).withMaxTokens(64));
        List<Double> losses = new ArrayList<>();
        Classifier.Monitor monitor = new Classifier.Monitor() {
            public void atStep(int step, int totalSteps, Classifier.Trained model) {}

            public void loss(int step, int totalSteps, double loss) {
                losses.add(loss);
            }
        };
        Classifier.Trained trained = classifier.fit(train, labels, Losses.get("xent"),
                new TrainConfig(8, 9, 3e-3, 0, "constant", 0, 2), monitor);
        assertEquals(Math.log(4), losses.get(0), 1e-6);
        assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 0.05, "loss " + losses);
        assertEquals(4 * 48 + trainedBackbone(), (long) trained.footprint().trainableParameters());
        for (double[] p : trained.predict(train)) {
            assertEquals(4, p.length);
            assertEquals(1, java.util.Arrays.stream(p).sum(), 1e-9);
        }
        ((FineTuneClassifier.Model) trained).close();
        double[][] ragged = {{1, 0, 0}, {1, 0}};
        assertThrows(IllegalArgumentException.class, () -> classifier.fit(train.subList(0, 2), ragged,
                Losses.get("xent"), new TrainConfig(1, 2, 1e-3, 0, "constant", 0, 2), Classifier.Monitor.NONE));
    }

    /** The tiny GPT-2's own parameters, all trained in full fine-tuning. */
    private static long trainedBackbone() {
        try (Scope scope = Scope.open()) {
            return gpt2().backbone(Weights.fp32(null)).parameters().values().stream()
                    .mapToLong(Tensor::numel).sum();
        }
    }
}
