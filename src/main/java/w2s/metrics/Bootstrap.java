package w2s.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.annotation.JsonFormat;

/**
 * Uncertainty of one run's test metrics: a paired percentile bootstrap over test documents. Each resample draws n test
 * documents with replacement and scores the weak model, the student and the ceiling on the same draw, so the
 * intervals of differences (the gap, PGR) keep the correlation between the three models instead of treating them as
 * independent. A resample is held as counts per document, which lets every metric be computed in one pass over the
 * documents in a fixed order: accuracy as a weighted mean, AUROC as a weighted Mann–Whitney statistic.
 */
public final class Bootstrap {
    /** Resamples per run: enough for stable 2.5% and 97.5% percentiles, and well under a second at n = 10,000. */
    public static final int RESAMPLES = 1000;
    private static final double TAIL = 0.025;

    private Bootstrap() {}

    /**
     * A 95% interval, written [lo, hi]. A bound is infinite (null in JSON) when more than 2.5% of the resamples leave
     * the metric undefined on that side: a PGR whose gap vanished or reversed in a resample could be any number.
     */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    public record Interval(double lo, double hi) {
        public boolean contains(double x) {
            return lo <= x && x <= hi;
        }

        public boolean bounded() {
            return Double.isFinite(lo) && Double.isFinite(hi);
        }
    }

    /** The intervals of one run; gap is ceiling minus weak accuracy, pgrAuroc the PGR computed on AUROC. */
    public record Intervals(Interval weakAccuracy, Interval w2sAccuracy, Interval ceilingAccuracy, Interval weakAuroc,
                            Interval w2sAuroc, Interval ceilingAuroc, Interval gap, Interval pgr, Interval pgrAuroc) {}

    /** The paired bootstrap with {@link #RESAMPLES} resamples, seeded so a rerun gives the same intervals. */
    public static Intervals paired(double[][] weak, double[][] w2s, double[][] ceiling, int[] labels, long seed) {
        return paired(weak, w2s, ceiling, labels, seed, RESAMPLES);
    }

    public static Intervals paired(double[][] weak, double[][] w2s, double[][] ceiling, int[] labels, long seed,
                                   int resamples) {
        int n = labels.length;
        if (n == 0 || weak.length != n || w2s.length != n || ceiling.length != n) {
            throw new IllegalArgumentException("bootstrap needs predictions of all three models on the same "
                    + n + " test documents (" + weak.length + ", " + w2s.length + ", " + ceiling.length + ")");
        }
        return paired(new Scorer[] {new Scorer(weak, labels), new Scorer(w2s, labels), new Scorer(ceiling, labels)},
                n, seed, resamples);
    }

    /** The paired bootstrap of K-class or choice predictions (see {@link Scorer#items}), as for binary ones. */
    public static Intervals pairedItems(double[][] weak, double[][] w2s, double[][] ceiling, int[] labels,
                                        boolean choice, long seed) {
        return paired(new Scorer[] {Scorer.items(weak, labels, choice), Scorer.items(w2s, labels, choice),
                Scorer.items(ceiling, labels, choice)}, labels.length, seed, RESAMPLES);
    }

    private static Intervals paired(Scorer[] models, int n, long seed, int resamples) {
        double[][] acc = new double[3][resamples];
        double[][] auroc = new double[3][resamples];
        double[] gap = new double[resamples];
        double[] pgr = new double[resamples];
        double[] pgrAuroc = new double[resamples];
        SplittableRandom random = new SplittableRandom(seed);
        int[] counts = new int[n];
        for (int r = 0; r < resamples; r++) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) counts[random.nextInt(n)]++;
            for (int m = 0; m < 3; m++) {
                acc[m][r] = models[m].accuracy(counts, n);
                auroc[m][r] = models[m].auroc(counts);
            }
            gap[r] = acc[2][r] - acc[0][r];
            pgr[r] = Metrics.pgr(acc[0][r], acc[1][r], acc[2][r]);
            pgrAuroc[r] = Metrics.pgr(auroc[0][r], auroc[1][r], auroc[2][r]);
        }
        return new Intervals(percentile(acc[0]), percentile(acc[1]), percentile(acc[2]), percentile(auroc[0]),
                percentile(auroc[1]), percentile(auroc[2]), percentile(gap), percentile(pgr), percentile(pgrAuroc));
    }

    /**
     * The 2.5% and 97.5% percentiles (numpy's linear interpolation) of bootstrap values. Undefined values (NaN) count
     * as −∞ for the lower bound and +∞ for the upper one: an interval never looks narrower because the resamples
     * that broke the metric were dropped.
     */
    public static Interval percentile(double[] values) {
        double[] defined = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        int undefined = values.length - defined.length;
        double[] low = new double[values.length];
        Arrays.fill(low, 0, undefined, Double.NEGATIVE_INFINITY);
        System.arraycopy(defined, 0, low, undefined, defined.length);
        double[] high = Arrays.copyOf(defined, values.length);
        Arrays.fill(high, defined.length, values.length, Double.POSITIVE_INFINITY);
        return new Interval(quantile(low, TAIL), quantile(high, 1 - TAIL));
    }

    /** Linear interpolation between order statistics; an infinite neighbour wins, so an unbounded tail stays so. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double a = sorted[lo];
        double b = sorted[hi];
        if (Double.isInfinite(a)) return a;
        if (Double.isInfinite(b)) return b;
        return a + (pos - lo) * (b - a);
    }

    /**
     * One model's test predictions, prepared so a resample (counts per document) is scored in one pass; also used by
     * the summary's bootstrap, which resamples the documents of many runs at once.
     */
    public static final class Scorer {
        private final boolean[] correct;
        /** Documents in increasing P(class 1), and where each run of tied scores ends. */
        private final int[] order;
        private final boolean[] tieEnds;
        private final int[] labels;
        /** K classes or choices: each item's credit (1 right, 0 wrong, 1/t on a t-way tie); null for a binary task. */
        private final double[] credit;
        /** K classes: a one-vs-rest scorer per class present, for the macro AUROC; null for binary tasks and choices. */
        private final Scorer[] perClass;

        /**
         * A scorer of K-class or choice predictions ({@link ItemMetrics}): accuracy with ties shared, and for K classes
         * (K ≤ {@link ItemMetrics#MAX_RESAMPLED_AUROC_CLASSES}) the macro one-vs-rest AUROC; choices have no AUROC.
         */
        public static Scorer items(double[][] probs, int[] labels, boolean choice) {
            return new Scorer(probs, labels, choice);
        }

        /** A scorer of given accuracy credits per item (no AUROC): what a stored K-class or choice run keeps. */
        public static Scorer credits(double[] credit) {
            return new Scorer(credit);
        }

        private Scorer(double[] credit) {
            this.credit = credit.clone();
            labels = null;
            correct = null;
            order = null;
            tieEnds = null;
            perClass = null;
        }

        private Scorer(double[][] probs, int[] labels, boolean choice) {
            int n = labels.length;
            this.labels = labels;
            correct = null;
            order = null;
            tieEnds = null;
            credit = new double[n];
            for (int i = 0; i < n; i++) credit[i] = ItemMetrics.credit(probs[i], labels[i]);
            int k = choice || n == 0 ? 0 : probs[0].length;
            if (k == 0 || k > ItemMetrics.MAX_RESAMPLED_AUROC_CLASSES) {
                perClass = null;
            } else {
                List<Scorer> scorers = new ArrayList<>();
                for (int c = 0; c < k; c++) {
                    int[] y = new int[n];
                    double[][] p = new double[n][];
                    int positives = 0;
                    for (int i = 0; i < n; i++) {
                        y[i] = labels[i] == c ? 1 : 0;
                        positives += y[i];
                        p[i] = new double[] {1 - probs[i][c], probs[i][c]};
                    }
                    if (positives > 0 && positives < n) scorers.add(new Scorer(p, y));
                }
                perClass = scorers.toArray(new Scorer[0]);
            }
        }

        public Scorer(double[][] probs, int[] labels) {
            this.credit = null;
            this.perClass = null;
            int n = labels.length;
            this.labels = labels;
            correct = new boolean[n];
            for (int i = 0; i < n; i++) correct[i] = Metrics.predicted(probs[i]) == labels[i];
            order = java.util.stream.IntStream.range(0, n).boxed()
                    .sorted((a, b) -> Double.compare(probs[a][1], probs[b][1])).mapToInt(Integer::intValue).toArray();
            tieEnds = new boolean[n];
            for (int k = 0; k < n; k++) tieEnds[k] = k == n - 1 || probs[order[k + 1]][1] != probs[order[k]][1];
        }

        public double accuracy(int[] counts, int n) {
            if (credit != null) {
                double right = 0;
                for (int i = 0; i < counts.length; i++) right += credit[i] * counts[i];
                return right / n;
            }
            long right = 0;
            for (int i = 0; i < counts.length; i++) if (correct[i]) right += counts[i];
            return (double) right / n;
        }

        /** Mann–Whitney: each positive beats the negatives scored below it and ties half of those scored the same. */
        public double auroc(int[] counts) {
            if (credit != null) {
                // The macro mean over the classes present in the resample, as ItemMetrics.macroAuroc averages them.
                if (perClass == null) return Double.NaN;
                double sum = 0;
                int defined = 0;
                for (Scorer c : perClass) {
                    double a = c.auroc(counts);
                    if (!Double.isNaN(a)) {
                        sum += a;
                        defined++;
                    }
                }
                return defined == 0 ? Double.NaN : sum / defined;
            }
            double wins = 0;
            long negativesBelow = 0;
            long positives = 0;
            long tiedPositives = 0;
            long tiedNegatives = 0;
            for (int k = 0; k < order.length; k++) {
                int i = order[k];
                if (labels[i] == 1) tiedPositives += counts[i];
                else tiedNegatives += counts[i];
                if (tieEnds[k]) {
                    wins += tiedPositives * (negativesBelow + tiedNegatives / 2.0);
                    negativesBelow += tiedNegatives;
                    positives += tiedPositives;
                    tiedPositives = 0;
                    tiedNegatives = 0;
                }
            }
            long negatives = negativesBelow;
            if (positives == 0 || negatives == 0) return Double.NaN;
            return wins / ((double) positives * negatives);
        }
    }
}
