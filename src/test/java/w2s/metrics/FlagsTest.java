package w2s.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals(List.of(Flags.WEAK_LABELS_CONSTANT, Flags.WEAK_ONE_CLASS, Flags.W2S_ONE_CLASS),
                flags(constant, allOnes, allOnes, rightOn(180)));
        assertEquals(List.of(Flags.CEILING_ONE_CLASS), flags(spread(), rightOn(140), rightOn(150), allOnes));
    }

    @Test
    void aWeakModelAtChanceCarriesNoSignalEvenIfItsLabelsVary() {
        // AUROC 0.5 on test: graded scores, but half of each class on either side.
        assertEquals(List.of(Flags.WEAK_LABELS_CONSTANT), flags(spread(), rightOn(100), rightOn(160), rightOn(190)));
    }

    @Test
    void aGapOfTwoDocumentsIsNoise() {
        assertEquals(List.of(Flags.GAP_WITHIN_NOISE), flags(spread(), rightOn(150), rightOn(152), rightOn(152)));
    }
}
