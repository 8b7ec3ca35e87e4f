package w2s.elicit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class CcsTest {

    @Test
    void lossMatchesHandComputedValues() {
        // consistency: ((0.8 − 0.9)² + (0.3 − 0.4)²) / 2 = 0.01; confidence: (0.1² + 0.3²) / 2 = 0.05
        Ccs.LossValue v = Ccs.loss(new double[] {0.8, 0.3}, new double[] {0.1, 0.6});
        assertEquals(0.01, v.consistency(), 1e-12);
        assertEquals(0.05, v.confidence(), 1e-12);
        assertEquals(0.06, v.total(), 1e-12);
        // A consistent, confident pair costs nothing; the degenerate p = ½ costs exactly ¼.
        assertEquals(0, Ccs.loss(new double[] {1}, new double[] {0}).total(), 1e-12);
        assertEquals(0.25, Ccs.loss(new double[] {0.5}, new double[] {0.5}).total(), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Random r = new Random(3);
        double[][] pos = new double[7][4];
        double[][] neg = new double[7][4];
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 4; j++) {
                pos[i][j] = r.nextGaussian();
                neg[i][j] = r.nextGaussian();
            }
        }
        double[] theta = {0.3, -0.7, 0.2, 0.9, -0.1};
        double[] grad = new double[5];
        Ccs.gradient(theta, pos, neg, grad);
        for (int k = 0; k < theta.length; k++) {
            double h = 1e-6;
            double[] up = theta.clone();
            double[] down = theta.clone();
            up[k] += h;
            down[k] -= h;
            double numeric = (lossAt(up, pos, neg) - lossAt(down, pos, neg)) / (2 * h);
            assertEquals(numeric, grad[k], 1e-7, "parameter " + k);
        }
    }

    @Test
    void mlpGradientMatchesFiniteDifferences() {
        Random r = new Random(4);
        int n = 5;
        int d = 3;
        int hidden = 4;
        double[][] pos = new double[n][d];
        double[][] neg = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                pos[i][j] = r.nextGaussian();
                neg[i][j] = r.nextGaussian();
            }
        }
        double[] theta = new double[hidden * d + 2 * hidden + 1];
        for (int k = 0; k < theta.length; k++) theta[k] = r.nextGaussian();
        double[] grad = new double[theta.length];
        Ccs.mlpGradient(theta, d, hidden, pos, neg, grad);
        for (int k = 0; k < theta.length; k++) {
            double h = 1e-6;
            double[] up = theta.clone();
            double[] down = theta.clone();
            up[k] += h;
            down[k] -= h;
            double numeric = (mlpLoss(up, d, hidden, pos, neg) - mlpLoss(down, d, hidden, pos, neg)) / (2 * h);
            assertEquals(numeric, grad[k], 1e-6, "parameter " + k);
        }
    }

    private static double mlpLoss(double[] theta, int d, int hidden, double[][] pos, double[][] neg) {
        double[] pp = new double[pos.length];
        double[] pn = new double[neg.length];
        for (int i = 0; i < pos.length; i++) {
            pp[i] = mlp(theta, d, hidden, pos[i]);
            pn[i] = mlp(theta, d, hidden, neg[i]);
        }
        return Ccs.loss(pp, pn).total();
    }

    private static double mlp(double[] theta, int d, int hidden, double[] x) {
        int o = hidden * d;
        double z = theta[o + 2 * hidden];
        for (int k = 0; k < hidden; k++) {
            double a = theta[o + k];
            for (int j = 0; j < d; j++) a += theta[k * d + j] * x[j];
            z += theta[o + hidden + k] * Math.max(0, a);
        }
        return Ccs.sigmoid(z);
    }

    @Test
    void mlpProbeFindsAPlantedDirection() {
        Synthetic train = Synthetic.of(200, 8, 31);
        Ccs.Config config = new Ccs.Config(150, 1e-2, 0.01, 1, false, 0, true);
        Ccs.Normalizer norm = Ccs.Normalizer.fit(train.pos, train.neg, false);
        Ccs.Fit fit = Ccs.fitNormalized(norm.positive(train.pos), norm.negative(train.neg), config);
        assertTrue(fit instanceof Ccs.Mlp);
        double acc = Ccs.accuracy(fit.predict(norm.positive(train.pos), norm.negative(train.neg)), train.labels);
        assertTrue(Math.max(acc, 1 - acc) > 0.85, "mlp accuracy " + acc);
    }

    private static double lossAt(double[] theta, double[][] pos, double[][] neg) {
        double[] pp = new double[pos.length];
        double[] pn = new double[neg.length];
        Ccs.forward(theta, pos, pp);
        Ccs.forward(theta, neg, pn);
        return Ccs.loss(pp, pn).total();
    }

    @Test
    void normalisationCentresEachSideSeparately() {
        float[][] pos = {{1, 10}, {3, 14}};
        float[][] neg = {{-5, 0}, {-3, 2}};
        Ccs.Normalizer n = Ccs.Normalizer.fit(pos, neg, true);
        double[][] p = n.positive(pos);
        double[][] q = n.negative(neg);
        // Each side has mean 0 and unit (unbiased) std per dimension: the sides' offset is gone.
        assertEquals(-1 / Math.sqrt(2), p[0][0], 1e-9);
        assertEquals(1 / Math.sqrt(2), p[1][1], 1e-9);
        assertEquals(-1 / Math.sqrt(2), q[0][0], 1e-9);
        assertEquals(1 / Math.sqrt(2), q[1][1], 1e-9);
    }

    /**
     * Pairs whose truth lies along a planted direction u (x± = ±s·u + side offset + nuisance shared by the pair +
     * noise): CCS must find u without labels, a random direction must not.
     */
    @Test
    void findsAPlantedTruthDirectionAndBeatsRandom() {
        Synthetic train = Synthetic.of(400, 20, 11);
        Synthetic test = Synthetic.of(400, 20, 12);
        Ccs.Config config = new Ccs.Config(400, 1e-2, 0.01, 4, false, 0);
        Ccs.Probe ccs = Ccs.fit(train.pos, train.neg, config).signedBy(test.pos, test.neg, test.labels);
        Ccs.Probe random = Ccs.random(train.pos, train.neg, false, 0).signedBy(test.pos, test.neg, test.labels);
        double ccsAcc = Ccs.accuracy(ccs.predict(test.pos, test.neg), test.labels);
        double randomAcc = Ccs.accuracy(random.predict(test.pos, test.neg), test.labels);
        assertTrue(ccsAcc > 0.85, "ccs accuracy " + ccsAcc);
        assertTrue(randomAcc < ccsAcc - 0.15, "random " + randomAcc + " vs ccs " + ccsAcc);
        // The direction found is the planted one (first coordinate), up to sign.
        double cos = Math.abs(ccs.w()[0]) / Math.sqrt(Ccs.dot(ccs.w(), ccs.w()));
        assertTrue(cos > 0.8, "cosine with the planted direction " + cos);
        assertTrue(ccs.loss() < random.loss(), ccs.loss() + " vs " + random.loss());
    }

    @Test
    void elicitComparesTheThreeMethodsAndFixesTheSignFromTrainingLabels() {
        Synthetic train = Synthetic.of(300, 20, 21);
        Synthetic test = Synthetic.of(200, 20, 22);
        Elicit.Settings settings = new Elicit.Settings("synthetic", "mean", 256,
                ContrastTemplate.get("true-false"), new Ccs.Config(300, 1e-2, 0.01, 2, false, 0), 8);
        List<Elicit.Row> rows = Elicit.evaluate(5, new Elicit.Pairs(train.pos, train.neg), train.labels,
                new Elicit.Pairs(test.pos, test.neg), test.labels, settings, Elicit.METHODS);
        assertEquals(List.of("ccs", "vinc", "logreg", "random"), rows.stream().map(Elicit.Row::method).toList());
        Elicit.Row ccs = rows.get(0);
        Elicit.Row vinc = rows.get(1);
        Elicit.Row logreg = rows.get(2);
        assertEquals("8 train labels", ccs.sign());
        assertEquals("8 train labels", vinc.sign());
        assertEquals("supervised", logreg.sign());
        assertTrue(ccs.accuracy() > 0.85 && ccs.auroc() > 0.9, ccs.toString());
        assertTrue(vinc.accuracy() > 0.85 && vinc.auroc() > 0.9, vinc.toString());
        assertTrue(logreg.accuracy() > 0.85, logreg.toString());
        assertTrue(rows.get(3).accuracy() < ccs.accuracy(), rows.get(3).toString());
    }

    record Synthetic(float[][] pos, float[][] neg, int[] labels) {
        static Synthetic of(int n, int d, long seed) {
            Random r = new Random(seed);
            float[][] pos = new float[n][d];
            float[][] neg = new float[n][d];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = r.nextBoolean() ? 1 : 0;
                double s = labels[i] == 1 ? 1 : -1;
                for (int j = 0; j < d; j++) {
                    // Dimensions 1..3 carry a large nuisance shared by both members of a pair (topic, length…).
                    double shared = j >= 1 && j <= 3 ? 4 * r.nextGaussian() : 0;
                    pos[i][j] = (float) ((j == 0 ? s : 0) + 2 + shared + r.nextGaussian() * 0.5);
                    neg[i][j] = (float) ((j == 0 ? -s : 0) - 2 + shared + r.nextGaussian() * 0.5);
                }
            }
            return new Synthetic(pos, neg, labels);
        }
    }
}
