package w2s.elicit;

import java.util.Arrays;

import w2s.train.Adam;

/**
 * L2-regularised logistic regression on dense rows, for soft targets in [0, 1]: the supervised ceiling beside CCS
 * and the probe that relabels weak labels. Features are standardised with the training rows' statistics and the
 * objective, mean cross-entropy + λ/2·‖w‖², is minimised by full-batch Adam: deterministic, no learning rate to tune
 * per encoder. λ defaults to {@value #DEFAULT_L2}, stronger than scikit-learn's C = 1 at a few hundred rows, because a
 * weakly regularised probe on frozen features memorises its labels' mistakes (REFERENCE.md, "A trap measured here"),
 * and label repair exists to not do that.
 */
public final class LogisticRegression {
    public static final double DEFAULT_L2 = 0.01;
    private static final int STEPS = 300;
    private static final double LR = 0.05;

    private final double[] mean;
    private final double[] scale;
    private final double[] w;
    private final double b;

    private LogisticRegression(double[] mean, double[] scale, double[] w, double b) {
        this.mean = mean;
        this.scale = scale;
        this.w = w;
        this.b = b;
    }

    public static LogisticRegression fit(double[][] x, double[] targets, double l2) {
        return fit(x, targets, l2, null);
    }

    /**
     * scikit-learn's {@code class_weight="balanced"} for hard 0/1 targets, as the DLK reference fits its baseline:
     * each row weighs n / (2 · n_class), so both classes count equally.
     */
    public static double[] balancedWeights(double[] targets) {
        int ones = 0;
        for (double t : targets) if (t >= 0.5) ones++;
        int n = targets.length;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            int inClass = targets[i] >= 0.5 ? ones : n - ones;
            w[i] = (double) n / (2.0 * Math.max(1, inClass));
        }
        return w;
    }

    /** As {@link #fit(double[][], double[], double)}, each row's loss weighted (null: all 1). */
    public static LogisticRegression fit(double[][] x, double[] targets, double l2, double[] weights) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (double[] row : x) for (int j = 0; j < d; j++) mean[j] += row[j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (double[] row : x) for (int j = 0; j < d; j++) scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
        for (int j = 0; j < d; j++) {
            double std = Math.sqrt(scale[j] / n);
            scale[j] = std > 1e-8 ? 1 / std : 0;
        }
        double[][] z = standardise(x, mean, scale);
        double[] theta = new double[d + 1]; // weights, then the bias (which gets no L2 penalty)
        double[] grad = new double[d + 1];
        Adam adam = new Adam(d + 1);
        for (int t = 1; t <= STEPS; t++) {
            Arrays.fill(grad, 0);
            for (int i = 0; i < n; i++) {
                double g = (Ccs.sigmoid(Ccs.dot(theta, z[i]) + theta[d]) - targets[i]) / n
                        * (weights == null ? 1 : weights[i]);
                for (int j = 0; j < d; j++) grad[j] += g * z[i][j];
                grad[d] += g;
            }
            adam.step(theta, grad, LR, l2, j -> j < d);
        }
        return new LogisticRegression(mean, scale, Arrays.copyOf(theta, d), theta[d]);
    }

    public static LogisticRegression fit(float[][] x, double[] targets, double l2) {
        return fit(toDouble(x), targets, l2);
    }

    /** P(class 1) per row. */
    public double[] predict(double[][] x) {
        double[][] z = standardise(x, mean, scale);
        double[] p = new double[z.length];
        for (int i = 0; i < p.length; i++) p[i] = Ccs.sigmoid(Ccs.dot(w, z[i]) + b);
        return p;
    }

    public double[] predict(float[][] x) {
        return predict(toDouble(x));
    }

    private static double[][] standardise(double[][] x, double[] mean, double[] scale) {
        double[][] z = new double[x.length][mean.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < mean.length; j++) z[i][j] = (x[i][j] - mean[j]) * scale[j];
        }
        return z;
    }

    static double[][] toDouble(float[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) out[i][j] = x[i][j];
        }
        return out;
    }
}
