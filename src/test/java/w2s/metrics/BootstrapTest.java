package w2s.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class BootstrapTest {
    private static double[][] probs(double... positive) {
        return Metrics.twoWay(positive);
    }

    /** n documents, half of each class; each model is right on the given fraction of them, with graded scores. */
    private static double[][] model(int[] labels, double accuracy, long seed) {
        Random random = new Random(seed);
        double[] p = new double[labels.length];
        for (int i = 0; i < p.length; i++) {
            boolean right = random.nextDouble() < accuracy;
            int predicted = right ? labels[i] : 1 - labels[i];
            double margin = 0.01 + 0.48 * random.nextDouble();
            p[i] = predicted == 1 ? 0.5 + margin : 0.5 - margin;
        }
        return probs(p);
    }

    private static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % 2;
        return y;
    }

    @Test
    void intervalsContainThePointEstimatesAndNarrowWithMoreDocuments() {
        double previousWidth = Double.POSITIVE_INFINITY;
        for (int n : new int[] {100, 400, 1600}) {
            int[] y = labels(n);
            double[][] weak = model(y, 0.6, 1);
            double[][] w2s = model(y, 0.75, 2);
            double[][] ceiling = model(y, 0.9, 3);
            Bootstrap.Intervals ci = Bootstrap.paired(weak, w2s, ceiling, y, 0);
            double wa = Metrics.accuracy(weak, y);
            double sa = Metrics.accuracy(w2s, y);
            double ca = Metrics.accuracy(ceiling, y);
            assertTrue(ci.weakAccuracy().contains(wa), n + ": " + ci.weakAccuracy() + " vs " + wa);
            assertTrue(ci.w2sAccuracy().contains(sa));
            assertTrue(ci.ceilingAccuracy().contains(ca));
            assertTrue(ci.weakAuroc().contains(Metrics.auroc(weak, y)));
            assertTrue(ci.ceilingAuroc().contains(Metrics.auroc(ceiling, y)));
            assertTrue(ci.pgr().contains(Metrics.pgr(wa, sa, ca)), ci.pgr().toString());
            assertTrue(ci.pgrAuroc().bounded());
            assertTrue(ci.gap().lo() > 0, "a 30-point gap is not noise: " + ci.gap());
            double width = ci.pgr().hi() - ci.pgr().lo();
            assertTrue(width < previousWidth, "the PGR interval narrows with n: " + width + " at " + n);
            previousWidth = width;
        }
    }

    @Test
    void accuracyIntervalOfAFairCoinIsAboutTwoStandardErrors() {
        // 400 documents, 200 right: the standard error of the accuracy is sqrt(0.25/400) = 0.025.
        int[] y = labels(400);
        double[] p = new double[400];
        for (int i = 0; i < 400; i++) p[i] = i < 200 ? (y[i] == 1 ? 0.9 : 0.1) : (y[i] == 1 ? 0.1 : 0.9);
        Bootstrap.Intervals ci = Bootstrap.paired(probs(p), probs(p), probs(p), y, 7);
        assertEquals(0.5 - 1.96 * 0.025, ci.weakAccuracy().lo(), 0.01);
        assertEquals(0.5 + 1.96 * 0.025, ci.weakAccuracy().hi(), 0.01);
        // The same predictions for all three models: the paired gap is exactly 0 in every resample.
        assertEquals(new Bootstrap.Interval(0, 0), ci.gap());
    }

    @Test
    void aDegenerateGapGivesAnUnboundedPgrInterval() {
        // Weak and ceiling differ on two of 200 documents: in many resamples the gap vanishes or reverses.
        int[] y = labels(200);
        double[] weak = new double[200];
        for (int i = 0; i < 200; i++) weak[i] = y[i] == 1 ? 0.8 : 0.2;
        weak[0] = 0.8; // wrong (label 0)
        weak[1] = 0.2; // wrong (label 1)
        double[] ceiling = weak.clone();
        ceiling[0] = 0.2;
        ceiling[1] = 0.8;
        double[] w2s = weak.clone();
        w2s[0] = 0.2;
        Bootstrap.Intervals ci = Bootstrap.paired(probs(weak), probs(w2s), probs(ceiling), y, 0);
        assertTrue(ci.gap().contains(0), ci.gap().toString());
        assertFalse(ci.pgr().bounded(), "PGR of a two-document gap: " + ci.pgr());
        assertEquals(Double.POSITIVE_INFINITY, ci.pgr().hi());
        assertEquals(0.5, Metrics.pgr(Metrics.accuracy(probs(weak), y), Metrics.accuracy(probs(w2s), y),
                Metrics.accuracy(probs(ceiling), y)), 1e-12); // the point estimate looks perfectly ordinary
    }

    @Test
    void deterministicGivenTheSeedAndDifferentAcrossSeeds() {
        int[] y = labels(300);
        double[][] weak = model(y, 0.6, 1);
        double[][] w2s = model(y, 0.7, 2);
        double[][] ceiling = model(y, 0.8, 3);
        assertEquals(Bootstrap.paired(weak, w2s, ceiling, y, 5), Bootstrap.paired(weak, w2s, ceiling, y, 5));
        assertFalse(Bootstrap.paired(weak, w2s, ceiling, y, 5).equals(Bootstrap.paired(weak, w2s, ceiling, y, 6)));
    }

    @Test
    void weightedAurocMatchesAurocOnTheResampledDocuments() {
        // With one resample, the bootstrap's AUROC equals Metrics.auroc on the documents it drew (ties included).
        int[] y = {0, 0, 1, 1, 0, 1, 1, 0};
        double[][] p = probs(0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2);
        Bootstrap.Intervals ci = Bootstrap.paired(p, p, p, y, 11, 1);
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        int[] drawn = new int[y.length];
        for (int i = 0; i < y.length; i++) drawn[i] = random.nextInt(y.length);
        double[][] resampled = Arrays.stream(drawn).mapToObj(i -> p[i]).toArray(double[][]::new);
        int[] labels = Arrays.stream(drawn).map(i -> y[i]).toArray();
        assertEquals(Metrics.auroc(resampled, labels), ci.weakAuroc().lo(), 1e-12);
        assertEquals(Metrics.accuracy(resampled, labels), ci.weakAccuracy().lo(), 1e-12);
    }

    @Test
    void percentilesTreatUndefinedValuesAsUnboundedTails() {
        double[] values = new double[100];
        for (int i = 0; i < 100; i++) values[i] = i;
        assertEquals(2.475, Bootstrap.percentile(values).lo(), 1e-12); // numpy.percentile(range(100), 2.5)
        assertEquals(96.525, Bootstrap.percentile(values).hi(), 1e-12);
        values[0] = Double.NaN;
        values[1] = Double.NaN;
        Bootstrap.Interval one = Bootstrap.percentile(values);
        assertTrue(Double.isFinite(one.lo()) && Double.isFinite(one.hi()), "2% undefined stays bounded: " + one);
        for (int i = 0; i < 5; i++) values[i] = Double.NaN;
        Bootstrap.Interval five = Bootstrap.percentile(values);
        assertEquals(Double.NEGATIVE_INFINITY, five.lo());
        assertEquals(Double.POSITIVE_INFINITY, five.hi());
    }

    @Test
    void mismatchedInputsAreRefusedWithAMessage() {
        int[] y = labels(4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Bootstrap.paired(probs(0.1, 0.9), probs(0.1, 0.9, 0.2, 0.8), probs(0.1, 0.9, 0.2, 0.8), y, 0));
        assertTrue(e.getMessage().contains("same 4 test documents"), e.getMessage());
    }
}
