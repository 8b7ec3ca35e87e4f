package w2s.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import w2s.model.FeatureMatrix;
import w2s.model.Head;

/** Issue 24: losses and heads with K outputs; expected numbers computed by hand and with numpy. */
class KClassTrainingTest {

    /** logconf for K = 3 hardens by the argmax: target = (1 − c)·weak + c·onehot(argmax), c = 0.5 after warm-up. */
    @Test
    void logconfHardensByTheArgmaxForThreeClasses() {
        Loss logconf = Losses.get("logconf");
        double[][] logits = {{1, 2, 0}};
        double[][] weak = {{0.2, 0.5, 0.3}};
        assertArrayEquals(new double[] {0.1, 0.75, 0.15}, logconf.target(logits, weak, 0.5)[0], 1e-15);
        // numpy: -(t * log(softmax(z))).sum() and softmax(z) - t
        Loss.Value v = logconf.evaluate(logits, weak, 0.5);
        assertEquals(0.8076059644443803, v.loss(), 1e-12);
        assertArrayEquals(new double[] {0.14472847105479764, -0.0847590442251781, -0.05996942682961953},
                v.gradient()[0], 1e-12);
    }

    /** Cross-entropy over two candidates' scores is the Bradley–Terry loss log(1 + exp(s_rejected − s_chosen)). */
    @Test
    void crossEntropyOverTwoCandidatesIsBradleyTerry() {
        Loss.Value v = Losses.get("xent").evaluate(new double[][] {{0.3, -0.4}}, new double[][] {{1, 0}}, 0);
        assertEquals(0.4031860488854579, v.loss(), 1e-12);
    }

    @Test
    void eleutherBufferedLossesAreRefusedForMoreThanTwoClasses() {
        for (String name : new String[] {"entropy", "logconf-buffer"}) {
            Loss loss = Losses.get(name);
            assertFalse(loss.multiClass());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loss.target(new double[][] {{0, 0, 0}}, new double[][] {{1, 0, 0}}, 0));
            assertTrue(e.getMessage().contains("two classes only"), e.getMessage());
        }
        assertTrue(Losses.get("window").multiClass());
    }

    /** The head as it was before K outputs existed (2-way only), kept here as the reference for bit-identity. */
    static final class OldLinear implements Head {
        private final int dim;
        private final double[] p;

        OldLinear(int dim) {
            this.dim = dim;
            this.p = new double[2 * dim + 2];
        }

        public double[] parameters() {
            return p;
        }

        public double[] logits(FeatureMatrix x, int row) {
            return new double[] {x.dot(row, p, 0) + p[2 * dim], x.dot(row, p, dim) + p[2 * dim + 1]};
        }

        public void backward(FeatureMatrix x, int row, double[] g, double[] grad) {
            x.addTo(row, g[0], grad, 0);
            x.addTo(row, g[1], grad, dim);
            grad[2 * dim] += g[0];
            grad[2 * dim + 1] += g[1];
        }

        public boolean decays(int i) {
            return i < 2 * dim;
        }
    }

    /** Binary training is bit-identical to the 2-way head it replaced, with every loss of the registry. */
    @Test
    void aBinaryHeadTrainsBitIdenticallyToTheOldTwoWayHead() {
        Random r = new Random(7);
        float[][] x = new float[64][5];
        double[][] labels = new double[64][];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 5; j++) x[i][j] = (float) r.nextGaussian();
            double p = r.nextDouble();
            labels[i] = new double[] {1 - p, p};
        }
        FeatureMatrix m = new FeatureMatrix.Dense(x);
        TrainConfig config = new TrainConfig(3, 16, 1e-2, 0.1, "cosine", 0, 3);
        for (String loss : Losses.names()) {
            Head now = Head.create("linear", 5, new Random(1));
            Head old = new OldLinear(5);
            HeadTrainer.train(now, m, labels, Losses.get(loss), config, (s, t, l) -> {});
            HeadTrainer.train(old, m, labels, Losses.get(loss), config, (s, t, l) -> {});
            assertArrayEquals(old.parameters(), now.parameters(), 0.0, loss);
        }
    }

    /** A K-class probe learns K outputs from the labels' width and separates three separable classes. */
    @Test
    void aProbeLearnsKOutputsFromTheLabelsWidth() {
        Random r = new Random(3);
        int n = 90;
        float[][] x = new float[n][2];
        double[][] y = new double[n][3];
        int[] truth = new int[n];
        double[][] centres = {{4, 0}, {-4, 0}, {0, 4}};
        for (int i = 0; i < n; i++) {
            truth[i] = i % 3;
            x[i][0] = (float) (centres[truth[i]][0] + r.nextGaussian());
            x[i][1] = (float) (centres[truth[i]][1] + r.nextGaussian());
            y[i][truth[i]] = 1;
        }
        Head h = Head.create("linear", 2, 3, new Random(0));
        HeadTrainer.train(h, new FeatureMatrix.Dense(x), y, Losses.get("xent"),
                new TrainConfig(20, 10, 0.1, 0, "cosine", 0, 0), (s, t, l) -> {});
        double[][] p = HeadTrainer.predict(h, new FeatureMatrix.Dense(x));
        assertEquals(3, p[0].length);
        assertTrue(w2s.metrics.ItemMetrics.accuracy(p, truth) > 0.95);
    }
}
