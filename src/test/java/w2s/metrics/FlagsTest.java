package w2s.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class FlagsTest {
    private static final int N = 200;

    private static int[] labels() {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) y[i] = i % 2;
        return y;
    }

    /** Right on the first `right` documents, wrong on the rest, with confidence unrelated to being right. */
    private static double[][] rightOn(int right) {
        int[] y = labels();
        double[] p = new double[N];
        for (int i = 0; i < N; i++) {
            double margin = 0.05 + 0.4 * ((i * 37) % N) / N;
            int predicted = i < right ? y[i] : 1 - y[i];
            p[i] = predicted == 1 ? 0.5 + margin : 0.5 - margin;
        }
        return Metrics.twoWay(p);
    }

    private static List<String> flags(double[] weakLabelsB, double[][] weak, double[][] w2s, double[][] ceiling) {
        return Flags.of(weakLabelsB, weak, w2s, ceiling, Bootstrap.paired(weak, w2s, ceiling, labels(), 0));
    }

    private static double[] spread() {
        double[] b = new double[N];
        for (int i = 0; i < N; i++) b[i] = i % 3 == 0 ? 0.9 : 0.2;
        return b;
    }

    @Test
    void aHealthyRunHasNoFlags() {
        assertEquals(List.of(), flags(spread(), rightOn(140), rightOn(160), rightOn(185)));
    }

    @Test
    void constantWeakLabelsAndOneClassModels() {
        double[] constant = new double[N];
        java.util.Arrays.fill(constant, 0.62);
        double[][] allOnes = Metrics.twoWay(constant);
        // A weak model scoring every document the same also ranks at chance: AUROC exactly 0.5.
        assertEquals(List.of(Flags.WEAK_LABELS_CONSTANT, Flags.WEAK_NO_SIGNAL, Flags.WEAK_ONE_CLASS,
                Flags.W2S_ONE_CLASS), flags(constant, allOnes, allOnes, rightOn(180)));
        // A one-class ceiling (accuracy 0.5) is below the weak model (0.7) in every resample: no PGR is defined.
        assertEquals(List.of(Flags.CEILING_ONE_CLASS, Flags.PGR_UNSTABLE),
                flags(spread(), rightOn(140), rightOn(150), allOnes));
    }

    @Test
    void aWeakModelAtChanceCarriesNoSignalEvenIfItsLabelsVary() {
        // AUROC 0.5 on test: graded scores, but half of each class on either side. Its labels on B vary, so they are
        // not constant: the two flags say different things.
        assertEquals(List.of(Flags.WEAK_NO_SIGNAL), flags(spread(), rightOn(100), rightOn(160), rightOn(190)));
    }

    @Test
    void weakLabelsConstantIsAboutTheSpreadOfTheLabelsAlone() {
        // Soft labels of standard deviation 5e-4 (below 1e-3) from a weak model that ranks the test set well.
        double[] b = new double[N];
        for (int i = 0; i < N; i++) b[i] = i % 2 == 0 ? 0.6005 : 0.5995;
        assertEquals(List.of(Flags.WEAK_LABELS_CONSTANT), flags(b, rightOn(140), rightOn(160), rightOn(185)));
        // 2e-3 is above the threshold.
        for (int i = 0; i < N; i++) b[i] = i % 2 == 0 ? 0.602 : 0.598;
        assertEquals(List.of(), flags(b, rightOn(140), rightOn(160), rightOn(185)));
    }

    @Test
    void aPgrIntervalWiderThanTheStatedWidthIsUnstable() {
        double[][] weak = rightOn(140);
        double[][] w2s = rightOn(160);
        double[][] ceiling = rightOn(185);
        Bootstrap.Intervals healthy = Bootstrap.paired(weak, w2s, ceiling, labels(), 0);
        // 20 of the 45 documents between weak model and ceiling: PGR 0.44, its interval about ±0.15 (binomial).
        assertTrue(healthy.pgr().hi() - healthy.pgr().lo() < 0.4, healthy.pgr().toString());
        assertEquals(1.0, Flags.PGR_UNSTABLE_WIDTH);
        // The README's first grammar example printed PGR -0.029 [-38.0, 0.90] with no flag.
        assertEquals(List.of(Flags.PGR_UNSTABLE), Flags.of(spread(), weak, w2s, ceiling, withPgr(healthy, -38.0, 0.90)));
        assertEquals(List.of(Flags.PGR_UNSTABLE), Flags.of(spread(), weak, w2s, ceiling, withPgr(healthy, 0.1, 1.2)));
        assertEquals(List.of(Flags.PGR_UNSTABLE),
                Flags.of(spread(), weak, w2s, ceiling, withPgr(healthy, 0.2, Double.POSITIVE_INFINITY)));
        assertEquals(List.of(), Flags.of(spread(), weak, w2s, ceiling, withPgr(healthy, 0.0, 1.0)), "exactly 1 is not wider");
    }

    private static Bootstrap.Intervals withPgr(Bootstrap.Intervals i, double lo, double hi) {
        return new Bootstrap.Intervals(i.weakAccuracy(), i.w2sAccuracy(), i.ceilingAccuracy(), i.weakAuroc(),
                i.w2sAuroc(), i.ceilingAuroc(), i.gap(), new Bootstrap.Interval(lo, hi), i.pgrAuroc());
    }

    @Test
    void aGapOfTwoDocumentsIsNoise() {
        // Its PGR is a ratio of noise: resamples without the two documents leave no gap, so it is unbounded too.
        assertEquals(List.of(Flags.GAP_WITHIN_NOISE, Flags.PGR_UNSTABLE),
                flags(spread(), rightOn(150), rightOn(152), rightOn(152)));
    }
}
