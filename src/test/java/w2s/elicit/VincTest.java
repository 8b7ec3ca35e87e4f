package w2s.elicit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class VincTest {

    @Test
    void findsTheTopEigenvector() {
        Random r = new Random(1);
        int d = 12;
        double[][] b = new double[d][d];
        for (double[] row : b) for (int j = 0; j < d; j++) row[j] = r.nextGaussian();
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) for (int k = 0; k < d; k++) a[i][j] += b[i][k] * b[j][k];
        for (int i = 0; i < d; i++) a[i][i] -= 20; // some negative eigenvalues too
        double[] v = Vinc.topEigenvector(a);
        double lambda = 0;
        double[] av = new double[d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) av[i] += a[i][j] * v[j];
        lambda = Ccs.dot(v, av);
        for (int i = 0; i < d; i++) assertEquals(lambda * v[i], av[i], 1e-8, "A v = λ v at " + i);
        assertEquals(1, Ccs.dot(v, v), 1e-9);
        // λ is the largest: the Rayleigh quotient of random vectors never exceeds it.
        for (int trial = 0; trial < 50; trial++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) x[j] = r.nextGaussian();
            double[] ax = new double[d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) ax[i] += a[i][j] * x[j];
            assertTrue(Ccs.dot(x, ax) / Ccs.dot(x, x) <= lambda + 1e-9);
        }
    }

    @Test
    void findsAPlantedTruthDirectionAcrossTemplates() {
        Random r = new Random(5);
        int n = 300;
        int d = 10;
        int v = 3;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextBoolean() ? 1 : 0;
        List<double[][]> pos = new ArrayList<>();
        List<double[][]> neg = new ArrayList<>();
        for (int t = 0; t < v; t++) {
            double[][] p = new double[n][d];
            double[][] q = new double[n][d];
            for (int i = 0; i < n; i++) {
                double s = labels[i] == 1 ? 1 : -1;
                for (int j = 0; j < d; j++) {
                    // Dimension 0: truth (x+ and x- opposite); 1-3: a large nuisance shared by the pair; 4: the
                    // template's own wording noise, large but not invariant across templates.
                    double shared = j >= 1 && j <= 3 ? 3 * r.nextGaussian() : 0;
                    double wording = j == 4 ? 3 * r.nextGaussian() : 0;
                    p[i][j] = (j == 0 ? s : 0) + shared + wording + 0.3 * r.nextGaussian();
                    q[i][j] = (j == 0 ? -s : 0) + shared + wording + 0.3 * r.nextGaussian();
                }
            }
            pos.add(p);
            neg.add(q);
        }
        Vinc.Fit fit = Vinc.fit(pos, neg, Vinc.VAR_WEIGHT, Vinc.NEG_COV_WEIGHT);
        assertTrue(Math.abs(fit.w()[0]) > 0.9, "w " + java.util.Arrays.toString(fit.w()));
        double acc = Ccs.accuracy(fit.predict(pos.get(0), neg.get(0)), labels);
        assertTrue(Math.max(acc, 1 - acc) > 0.95, "accuracy " + acc);
    }
}
