package w2s.elicit;

import java.util.List;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * VINC, EleutherAI elk's closed-form successor to CCS ({@code elk/training/eigen_reporter.py}, {@code EigenFitter},
 * before its removal in elk #292): the reporter direction w is the top eigenvector of
 * <pre>  A = var·Σ_between − (1 − neg)·Σ_invariance − neg·Σ_contrast</pre>
 * over hidden states h[n][v][k] (example, prompt template, answer k ∈ {x⁻, x⁺}):
 * <ul>
 *   <li>variance (Σ_between): covariance of the per-answer centroids c[n][k] = mean over templates, averaged over k;
 *   <li>invariance (Σ_invariance): covariance across templates of h[n][·][k], averaged over (n, k): the credence
 *       should not depend on the wording;
 *   <li>negative covariance (Σ_contrast): the symmetrised cross-covariance of c[·][0] and c[·][1]: a truth direction
 *       puts x⁺ and x⁻ on opposite sides, so their covariance along it is negative.
 * </ul>
 * elk's defaults: var = 0, neg = 0.5. elk also erases (LEACE) the subspace that predicts which answer a state holds;
 * here the states arrive centred per answer (x⁺ and x⁻ each by their own mean, per template), which leaves nothing
 * linear to erase. The credence of a pair is σ((wᵀx⁺ − wᵀx⁻) / s), s the standard deviation of that difference on the
 * training pairs (elk Platt-scales with labels instead; the sign is fixed by the caller, as for CCS).
 */
public final class Vinc {
    public static final double VAR_WEIGHT = 0.0;
    public static final double NEG_COV_WEIGHT = 0.5;

    /** A fitted reporter on normalised features. */
    public record Fit(double[] w, double scale) {
        public double[] predict(double[][] pos, double[][] neg) {
            double[] out = new double[pos.length];
            for (int i = 0; i < out.length; i++) out[i] = Ccs.sigmoid((Ccs.dot(w, pos[i]) - Ccs.dot(w, neg[i])) / scale);
            return out;
        }
    }

    private Vinc() {}

    /**
     * Fits on normalised pairs per template: {@code pos.get(v)[n]} is template v's x⁺ of example n (every template
     * holds the same examples in the same order).
     */
    public static Fit fit(List<double[][]> pos, List<double[][]> neg, double varWeight, double negCovWeight) {
        int v = pos.size();
        int n = pos.get(0).length;
        int d = pos.get(0)[0].length;
        double[][] a = new double[d][d];
        // Invariance: the mean over (n, k) of the covariance across templates.
        if (v > 1) {
            double[] m = new double[d];
            double[] dev = new double[d];
            double w = (1 - negCovWeight) / ((double) n * 2 * v);
            for (int i = 0; i < n; i++) {
                for (List<double[][]> side : List.of(pos, neg)) {
                    java.util.Arrays.fill(m, 0);
                    for (int t = 0; t < v; t++) for (int j = 0; j < d; j++) m[j] += side.get(t)[i][j] / v;
                    for (int t = 0; t < v; t++) {
                        for (int j = 0; j < d; j++) dev[j] = side.get(t)[i][j] - m[j];
                        subtractOuter(a, dev, dev, w);
                    }
                }
            }
        }
        // Centroids over templates, centred per answer.
        double[][] c0 = centroids(neg, n, d);
        double[][] c1 = centroids(pos, n, d);
        for (int i = 0; i < n; i++) {
            if (varWeight != 0) {
                subtractOuter(a, c0[i], c0[i], -varWeight / (2.0 * n));
                subtractOuter(a, c1[i], c1[i], -varWeight / (2.0 * n));
            }
            // −neg · ½(c0ᵀc1 + c1ᵀc0) / n
            subtractOuter(a, c0[i], c1[i], negCovWeight / (2.0 * n));
            subtractOuter(a, c1[i], c0[i], negCovWeight / (2.0 * n));
        }
        double[] w = topEigenvector(a);
        double mean = 0;
        double sq = 0;
        int count = 0;
        for (int t = 0; t < v; t++) {
            for (int i = 0; i < n; i++) {
                double s = Ccs.dot(w, pos.get(t)[i]) - Ccs.dot(w, neg.get(t)[i]);
                mean += s;
                sq += s * s;
                count++;
            }
        }
        mean /= count;
        double std = Math.sqrt(Math.max(sq / count - mean * mean, 0));
        return new Fit(w, std > 1e-12 ? std : 1);
    }

    private static double[][] centroids(List<double[][]> side, int n, int d) {
        double[][] c = new double[n][d];
        int v = side.size();
        for (double[][] t : side) for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) c[i][j] += t[i][j] / v;
        double[] mean = new double[d];
        for (double[] row : c) for (int j = 0; j < d; j++) mean[j] += row[j] / n;
        for (double[] row : c) for (int j = 0; j < d; j++) row[j] -= mean[j];
        return c;
    }

    /** a −= w · x yᵀ */
    private static void subtractOuter(double[][] a, double[] x, double[] y, double w) {
        for (int r = 0; r < x.length; r++) {
            double s = w * x[r];
            if (s == 0) continue;
            double[] row = a[r];
            for (int c = 0; c < y.length; c++) row[c] -= s * y[c];
        }
    }

    /**
     * The unit eigenvector of the largest eigenvalue of a symmetric matrix (the matrix is not modified), through
     * EJML's symmetric decomposition (tridiagonalisation, then QR iterations): about a second at BERT-base's 768
     * dimensions, where cyclic Jacobi rotations took tens of seconds per fit. (Commons Math's QL failed to converge on
     * the near-constant states of BERT's embedding layer.)
     */
    static double[] topEigenvector(double[][] matrix) {
        int d = matrix.length;
        DMatrixRMaj a = new DMatrixRMaj(d, d);
        // Symmetrised against rounding: the symmetric algorithm reads one triangle only.
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) a.set(i, j, 0.5 * (matrix[i][j] + matrix[j][i]));
        }
        EigenDecomposition_F64<DMatrixRMaj> eigen = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eigen.decompose(a)) {
            throw new IllegalStateException("VINC: the " + d + "-dimensional eigenproblem did not converge");
        }
        int best = 0;
        for (int i = 1; i < d; i++) if (eigen.getEigenvalue(i).real > eigen.getEigenvalue(best).real) best = i;
        double[] v = eigen.getEigenVector(best).getData().clone();
        double norm = Math.sqrt(Ccs.dot(v, v));
        for (int k = 0; k < d; k++) v[k] /= norm;
        return v;
    }
}
