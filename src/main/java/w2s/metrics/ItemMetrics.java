package w2s.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation measures for K-class and choice predictions: each row a distribution over an item's K classes or its C
 * candidates (choice rows may differ in length), each label the right class or candidate. For K = 2 they agree with
 * {@link Metrics} except where noted (Brier sums over both classes here, the usual multi-class definition, which is
 * twice the binary one).
 */
public final class ItemMetrics {
    /** Above this many classes the summary's bootstrap skips the macro AUROC (K one-vs-rest rankings per resample). */
    public static final int MAX_RESAMPLED_AUROC_CLASSES = 20;
    /** Confusion matrices are kept up to this many classes (the report draws them). */
    public static final int MAX_CONFUSION_CLASSES = 20;

    private ItemMetrics() {}

    /** The predicted class or candidate: the largest probability, the first on ties. */
    public static int predicted(double[] p) {
        int best = 0;
        for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
        return best;
    }

    /**
     * How right one prediction is: 1 if the label has the largest probability alone, 1/t if it is one of t tied for
     * the largest, else 0 — the expected accuracy of breaking ties at random, so an untrained scorer that gives every
     * candidate the same score is at chance, not at 100% (a preference pair lists its chosen candidate first).
     */
    public static double credit(double[] p, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : p) max = Math.max(max, v);
        if (p[label] != max) return 0;
        int tied = 0;
        for (double v : p) if (v == max) tied++;
        return 1.0 / tied;
    }

    public static double accuracy(double[][] probs, int[] labels) {
        double right = 0;
        for (int i = 0; i < labels.length; i++) right += credit(probs[i], labels[i]);
        return right / labels.length;
    }

    /** Whether the label is among the k most probable classes (ties counted in its favour). */
    public static double topK(double[][] probs, int[] labels, int k) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            int above = 0;
            for (double v : probs[i]) if (v > probs[i][labels[i]]) above++;
            if (above < k) right++;
        }
        return (double) right / labels.length;
    }

    /**
     * The macro one-vs-rest AUROC: each class's probability ranking that class against the rest, averaged over the
     * classes present in the labels (a class absent from the test set has no AUROC and is left out), as scikit-learn's
     * {@code roc_auc_score(multi_class="ovr", average="macro")} computes it when every class is present. NaN for
     * fewer than two classes present.
     */
    public static double macroAuroc(double[][] probs, int[] labels) {
        int k = probs.length == 0 ? 0 : probs[0].length;
        double sum = 0;
        int defined = 0;
        for (int c = 0; c < k; c++) {
            double[][] p = new double[labels.length][];
            int[] y = new int[labels.length];
            for (int i = 0; i < labels.length; i++) {
                p[i] = new double[] {1 - probs[i][c], probs[i][c]};
                y[i] = labels[i] == c ? 1 : 0;
            }
            double a = Metrics.auroc(p, y);
            if (!Double.isNaN(a)) {
                sum += a;
                defined++;
            }
        }
        return defined < 2 ? Double.NaN : sum / defined;
    }

    /**
     * Multi-class calibration: the confidence of the predicted class (or chosen candidate) against its accuracy in
     * equal-width bins, as {@link Metrics#reliability} does for two classes.
     */
    public static Metrics.Reliability reliability(double[][] probs, int[] labels, int bins) {
        double[] confidence = new double[bins];
        int[] correct = new int[bins];
        int[] count = new int[bins];
        for (int i = 0; i < labels.length; i++) {
            int y = predicted(probs[i]);
            double c = probs[i][y];
            int b = Math.min(bins - 1, (int) (c * bins));
            confidence[b] += c;
            correct[b] += y == labels[i] ? 1 : 0;
            count[b]++;
        }
        List<Metrics.Bin> out = new ArrayList<>();
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) ece += Math.abs(correct[b] - confidence[b]) / labels.length;
            out.add(new Metrics.Bin((double) b / bins, (double) (b + 1) / bins, count[b],
                    count[b] == 0 ? Double.NaN : confidence[b] / count[b],
                    count[b] == 0 ? Double.NaN : (double) correct[b] / count[b]));
        }
        return new Metrics.Reliability(out, ece);
    }

    /** Multi-class Brier score: the mean over items of Σ_k (p_k − 1[k = label])². */
    public static double brier(double[][] probs, int[] labels) {
        double s = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int k = 0; k < probs[i].length; k++) {
                double d = probs[i][k] - (k == labels[i] ? 1 : 0);
                s += d * d;
            }
        }
        return s / labels.length;
    }

    /** How often the student predicts what its supervisor predicts: overall, where the supervisor is right, wrong. */
    public static Metrics.Agreement agreement(double[][] student, double[][] supervisor, int[] labels) {
        int same = 0;
        int sameWhenRight = 0;
        int right = 0;
        int sameWhenWrong = 0;
        int wrong = 0;
        for (int i = 0; i < labels.length; i++) {
            int w = predicted(supervisor[i]);
            boolean agree = predicted(student[i]) == w;
            if (agree) same++;
            if (w == labels[i]) {
                right++;
                if (agree) sameWhenRight++;
            } else {
                wrong++;
                if (agree) sameWhenWrong++;
            }
        }
        return new Metrics.Agreement((double) same / labels.length, right == 0 ? Double.NaN : (double) sameWhenRight / right,
                wrong == 0 ? Double.NaN : (double) sameWhenWrong / wrong, right, wrong);
    }

    /** counts[true class][predicted class]. */
    public static int[][] confusion(double[][] probs, int[] labels, int k) {
        int[][] m = new int[k][k];
        for (int i = 0; i < labels.length; i++) m[labels[i]][predicted(probs[i])]++;
        return m;
    }

    /** Whether every row predicts the same class (meaningless for choices, whose candidates differ per item). */
    public static boolean oneClass(double[][] probs) {
        for (double[] p : probs) if (predicted(p) != predicted(probs[0])) return false;
        return true;
    }

    /** Mean over items of each distribution's standard deviation from the mean distribution: near 0 if constant. */
    public static double spread(double[][] labels) {
        int n = labels.length;
        if (n == 0) return 0;
        double total = 0;
        int cols = 0;
        for (double[] row : labels) cols = Math.max(cols, row.length);
        for (int k = 0; k < cols; k++) {
            double mean = 0;
            int m = 0;
            for (double[] row : labels) if (k < row.length) {
                mean += row[k];
                m++;
            }
            mean /= m;
            double var = 0;
            for (double[] row : labels) if (k < row.length) var += (row[k] - mean) * (row[k] - mean) / m;
            total = Math.max(total, Math.sqrt(var));
        }
        return total;
    }
}
