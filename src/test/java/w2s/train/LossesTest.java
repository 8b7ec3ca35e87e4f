package w2s.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Each loss against values computed by hand. */
class LossesTest {
    private static final double EPS = 1e-6;

    /** Logits whose softmax gives class 0 the probability p0. */
    private static double[] logitsFor(double p0) {
        return new double[] {Math.log(p0 / (1 - p0)), 0};
    }

    @Test
    void xentAgainstSoftLabels() {
        Loss.Value v = Losses.get("xent").evaluate(new double[][] {{0, 0}}, new double[][] {{0.3, 0.7}}, 0);
        assertEquals(Math.log(2), v.loss(), EPS);
        assertArrayEquals(new double[] {0.2, -0.2}, v.gradient()[0], EPS);

        Loss.Value w = Losses.get("xent").evaluate(new double[][] {{1, 0}}, new double[][] {{1, 0}}, 0);
        assertEquals(0.313262, w.loss(), EPS); // -ln(e / (e + 1))
        assertArrayEquals(new double[] {-0.268941, 0.268941}, w.gradient()[0], EPS);
    }

    @Test
    void quantileInterpolatesLinearlyAsTorchDoes() {
        double[] v = {0.1, 0.4, 0.2, 0.9};
        assertEquals(0.3, Losses.quantile(v, 0.5), EPS);
        assertEquals(0.175, Losses.quantile(v, 0.25), EPS);
        assertEquals(0.1, Losses.quantile(v, 0.0), EPS);
        assertEquals(0.9, Losses.quantile(v, 1.0), EPS);
    }

    @Test
    void logconfWarmupOfTheOpenaiCode() {
        Losses.LogConf loss = (Losses.LogConf) Losses.get("logconf");
        assertEquals(0.0, loss.coefficient(0.0), EPS);
        assertEquals(0.025, loss.coefficient(0.05), EPS);
        assertEquals(0.05, loss.coefficient(0.10), EPS); // not yet past the warm-up fraction
        assertEquals(0.5, loss.coefficient(0.11), EPS); // then the jump to aux_coef
        assertEquals(0.5, loss.coefficient(0.9), EPS);
    }

    @Test
    void logconfLinearWarmupOfThePaper() {
        Losses.LogConf loss = (Losses.LogConf) Losses.get("logconf-linear");
        assertEquals(0.125, loss.coefficient(0.05), EPS);
        assertEquals(0.25, loss.coefficient(0.10), EPS);
        assertEquals(0.5, loss.coefficient(0.20), EPS);
        assertEquals(0.5, loss.coefficient(0.7), EPS);
    }

    @Test
    void logconfHardensAtTheWeakLabelsClassBalance() {
        double[][] logits = {logitsFor(0.9), logitsFor(0.6), logitsFor(0.3), logitsFor(0.2)};
        double[][] weak = {{1, 0}, {0, 1}, {1, 0}, {0, 1}};
        Loss loss = Losses.get("logconf");
        // mean weak class-1 probability 0.5 -> threshold = median of p0 = 0.45: rows 0, 1 harden to class 0.
        double[][] target = loss.target(logits, weak, 0.5); // past warm-up: c = 0.5
        assertArrayEquals(new double[] {1.0, 0.0}, target[0], EPS);
        assertArrayEquals(new double[] {0.5, 0.5}, target[1], EPS);
        assertArrayEquals(new double[] {0.5, 0.5}, target[2], EPS);
        assertArrayEquals(new double[] {0.0, 1.0}, target[3], EPS);
        double expected = (-Math.log(0.9) - 0.5 * Math.log(0.6) - 0.5 * Math.log(0.4)
                - 0.5 * Math.log(0.3) - 0.5 * Math.log(0.7) - Math.log(0.8)) / 4;
        assertEquals(0.455597, expected, EPS);
        assertEquals(expected, loss.evaluate(logits, weak, 0.5).loss(), EPS);
        // At the start of training c = 0: the target is the weak labels themselves.
        assertArrayEquals(weak[1], loss.target(logits, weak, 0.0)[1], EPS);
    }

    @Test
    void logconfThresholdFollowsAnUnbalancedBatch() {
        double[][] logits = {logitsFor(0.9), logitsFor(0.6), logitsFor(0.3), logitsFor(0.2)};
        double[][] weak = {{0, 1}, {0, 1}, {0, 1}, {1, 0}}; // mean class 1 = 0.75 -> quantile 0.75 of p0 = 0.675
        double[][] target = Losses.get("logconf").target(logits, weak, 1.0);
        // Only the first row has p0 >= 0.675 and hardens to class 0: three of four hardened labels are class 1.
        assertArrayEquals(new double[] {0.5, 0.5}, target[0], EPS);
        assertArrayEquals(new double[] {0.0, 1.0}, target[1], EPS);
        assertArrayEquals(new double[] {0.0, 1.0}, target[2], EPS);
        assertArrayEquals(new double[] {0.5, 0.5}, target[3], EPS);
    }

    @Test
    void productNormalisesStudentTimesWeak() {
        double[][] target = Losses.get("product").target(new double[][] {logitsFor(0.8)}, new double[][] {{0.4, 0.6}}, 0);
        assertArrayEquals(new double[] {0.32 / 0.44, 0.12 / 0.44}, target[0], EPS);
        double expected = -(0.32 / 0.44) * Math.log(0.8) - (0.12 / 0.44) * Math.log(0.2);
        assertEquals(0.601224, expected, EPS);
        assertEquals(expected, Losses.get("product").evaluate(new double[][] {logitsFor(0.8)},
                new double[][] {{0.4, 0.6}}, 0).loss(), EPS);
    }

    @Test
    void klIsCrossEntropyLessTheLabelsEntropy() {
        Loss.Value v = Losses.get("kl").evaluate(new double[][] {{0, 0}}, new double[][] {{0.3, 0.7}}, 0);
        // ln 2 − (−0.3 ln 0.3 − 0.7 ln 0.7) = 0.693147 − 0.610864
        assertEquals(0.082283, v.loss(), EPS);
        assertArrayEquals(new double[] {0.2, -0.2}, v.gradient()[0], EPS);
        // Against one-hot labels it is the cross-entropy.
        assertEquals(0.313262, Losses.get("kl").evaluate(new double[][] {{1, 0}}, new double[][] {{1, 0}}, 0).loss(), EPS);
    }

    @Test
    void windowTrainsOnlyWhereTheStudentIsUnsure() {
        double[][] logits = {logitsFor(0.9), logitsFor(0.6), logitsFor(0.3), logitsFor(0.45)};
        double[][] weak = {{0, 1}, {0, 1}, {1, 0}, {1, 0}};
        Loss window = Losses.get("window"); // radius 0.15: rows whose top probability is below 0.65
        Loss.Value v = window.evaluate(logits, weak, 0.5);
        // Rows 1 and 3 only: (−ln 0.4 − ln 0.45) / 4, the sum over the batch's size.
        assertEquals((0.916291 + 0.798508) / 4, v.loss(), EPS);
        assertArrayEquals(new double[] {0, 0}, v.gradient()[0], EPS);
        assertArrayEquals(new double[] {0.15, -0.15}, v.gradient()[1], EPS);
        assertArrayEquals(new double[] {0, 0}, v.gradient()[2], EPS);
        assertArrayEquals(new double[] {-0.1375, 0.1375}, v.gradient()[3], EPS);
        // A wider window takes row 2 (top probability 0.7) too.
        Loss.Value wide = Losses.get("window:radius=0.25").evaluate(logits, weak, 0.5);
        assertEquals((0.916291 + 1.203973 + 0.798508) / 4, wide.loss(), EPS);
    }

    @Test
    void entropyMixesInTheStudentsSoftPredictions() {
        Loss entropy = Losses.get("entropy:warmup=0");
        double[][] target = entropy.target(new double[][] {logitsFor(0.6)}, new double[][] {{0, 1}}, 0);
        assertArrayEquals(new double[] {0.3, 0.7}, target[0], EPS); // 0.5·[0, 1] + 0.5·[0.6, 0.4]
        Losses.Confidence ramped = (Losses.Confidence) Losses.get("entropy");
        assertEquals(0.0, ramped.coefficient(0), EPS);
        assertEquals(0.25, ramped.coefficient(50), EPS); // 0.5 · 50 / 100 steps
        assertEquals(0.5, ramped.coefficient(100), EPS);
        assertEquals(0.5, ramped.coefficient(4000), EPS);
    }

    @Test
    void logconfBufferThresholdsOverRecentPredictions() {
        Loss loss = Losses.get("logconf-buffer:warmup=2,buffer=4");
        // Step 0: c = 0, the target is the labels; the buffer holds 0.9 and 0.2.
        double[][] weak0 = {{0, 1}, {1, 0}};
        assertArrayEquals(weak0[0], loss.target(new double[][] {logitsFor(0.9), logitsFor(0.2)}, weak0, 0.0)[0], EPS);
        // Step 1: c = 0.25; buffer [0.9, 0.2, 0.6, 0.3], quantile at the mean label 0.7 = 0.63: both rows harden to
        // class 1 (the batch alone would put the threshold at 0.51 and harden row 0 to class 0).
        double[][] t1 = loss.target(new double[][] {logitsFor(0.6), logitsFor(0.3)}, new double[][] {{0.2, 0.8},
                {0.4, 0.6}}, 0.1);
        assertArrayEquals(new double[] {0.15, 0.85}, t1[0], EPS);
        assertArrayEquals(new double[] {0.3, 0.7}, t1[1], EPS);
        // Step 2: c = 0.5; the buffer keeps the last 4, [0.2, 0.6, 0.3, 0.8]; a batch of one takes the median, 0.45.
        double[][] t2 = loss.target(new double[][] {logitsFor(0.8)}, new double[][] {{0.5, 0.5}}, 0.2);
        assertArrayEquals(new double[] {0.75, 0.25}, t2[0], EPS);
        // Progress 0 starts a new training run: step 0 again, buffer empty.
        assertArrayEquals(new double[] {0.5, 0.5}, loss.target(new double[][] {logitsFor(0.8)},
                new double[][] {{0.5, 0.5}}, 0.0)[0], EPS);
    }

    @Test
    void logconfBufferBalancesLabelsInLogOdds() {
        Losses.Confidence loss = (Losses.Confidence) Losses.get("logconf-buffer:warmup=0,balance=true");
        // Labels 0.8 and 0.6 re-centred in log-odds: sigmoid(±ln(8/3) / 2) = 0.620204 and 0.379796; quantile at 0.5
        // of [0.6, 0.3] = 0.45, so row 0 hardens to class 0 and row 1 to class 1; c = 0.5 with no warm-up.
        Losses.Confidence.Result r = loss.target(new double[][] {logitsFor(0.6), logitsFor(0.3)},
                new double[][] {{0.2, 0.8}, {0.4, 0.6}}, 0, new double[0]);
        assertArrayEquals(new double[] {0.689898, 0.310102}, r.target()[0], EPS);
        assertArrayEquals(new double[] {0.310102, 0.689898}, r.target()[1], EPS);
        assertArrayEquals(new double[] {0.6, 0.3}, r.buffer(), EPS);
    }

    @Test
    void everyParameterIsNamed() {
        assertEquals("xent", Losses.get("xent").name());
        assertEquals("logconf", Losses.get("logconf").name());
        assertEquals("logconf", Losses.get("logconf:aux=0.50").name()); // defaults: the name of old results
        assertEquals("logconf:aux=0.3,warmup=0.1", Losses.get("logconf:aux=0.3").name());
        assertEquals("product:alpha=2,beta=1", Losses.get("product:alpha=2.0").name());
        assertEquals("kl", Losses.get("kl").name());
        assertEquals("window:radius=0.15", Losses.get("window").name());
        assertEquals("entropy:aux=0.5,warmup=100,balance=false", Losses.get("entropy").name());
        assertEquals("logconf-buffer:aux=0.5,warmup=40,buffer=32,balance=true",
                Losses.get("logconf-buffer:balance=true, warmup=40").name());
        for (String name : Losses.names()) assertEquals(Losses.get(name).name(), Losses.get(Losses.get(name).name()).name());
    }

    @Test
    void badParametersNameTheOptionAndTheValidValues() {
        for (String radius : new String[] {"0", "0.5", "0.7", "-0.1"}) {
            String m = assertThrows(IllegalArgumentException.class, () -> Losses.get("window:radius=" + radius)).getMessage();
            assertTrue(m.contains("radius") && m.contains("(0, 0.5)"), m);
        }
        String unknown = assertThrows(IllegalArgumentException.class, () -> Losses.get("window:size=3")).getMessage();
        assertTrue(unknown.contains("'size'") && unknown.contains("valid parameters: radius"), unknown);
        String none = assertThrows(IllegalArgumentException.class, () -> Losses.get("kl:beta=1")).getMessage();
        assertTrue(none.contains("valid parameters: none"), none);
        String bool = assertThrows(IllegalArgumentException.class, () -> Losses.get("entropy:balance=yes")).getMessage();
        assertTrue(bool.contains("balance") && bool.contains("true or false"), bool);
        String steps = assertThrows(IllegalArgumentException.class, () -> Losses.get("logconf-buffer:warmup=1.5")).getMessage();
        assertTrue(steps.contains("warmup"), steps);
        assertThrows(IllegalArgumentException.class, () -> Losses.get("logconf-buffer:buffer=0"));
        assertThrows(IllegalArgumentException.class, () -> Losses.get("logconf:aux"));
    }

    @Test
    void gradientIsTheDerivativeOfTheLossWithTheTargetHeldFixed() {
        Random random = new Random(1);
        double[][] logits = new double[6][2];
        double[][] labels = new double[6][2];
        for (int i = 0; i < 6; i++) {
            logits[i] = new double[] {random.nextGaussian(), random.nextGaussian()};
            double p = random.nextDouble();
            labels[i] = new double[] {p, 1 - p};
        }
        for (String name : Losses.names()) {
            Loss loss = Losses.get(name);
            double[][] target = loss.target(logits, labels, 0.6);
            double[][] grad = Loss.crossEntropy(logits, target).gradient();
            for (int i = 0; i < 6; i++) {
                for (int k = 0; k < 2; k++) {
                    double h = 1e-6;
                    double[][] plus = copy(logits);
                    plus[i][k] += h;
                    double[][] minus = copy(logits);
                    minus[i][k] -= h;
                    double numeric = (Loss.crossEntropy(plus, target).loss() - Loss.crossEntropy(minus, target).loss()) / (2 * h);
                    assertEquals(numeric, grad[i][k], 1e-6, name);
                }
            }
        }
    }

    @Test
    void unknownLossListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.get("hinge"));
        assertTrue(e.getMessage().contains("xent") && e.getMessage().contains("logconf"), e.getMessage());
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}
