package w2s.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Signs that a run's PGR means nothing: a supervisor with nothing to teach, a model that predicts one class, or a gap
 * between weak model and ceiling too small to tell from test-set noise. Such a PGR can be anything (7.0, −10.75) and
 * would swamp a median or a mean, so a flagged run is reported with its flags and left out of summaries by default.
 */
public final class Flags {
    public static final String WEAK_LABELS_CONSTANT = "weak_labels_constant";
    public static final String WEAK_NO_SIGNAL = "weak_no_signal";
    public static final String WEAK_ONE_CLASS = "weak_one_class";
    public static final String W2S_ONE_CLASS = "w2s_one_class";
    public static final String CEILING_ONE_CLASS = "ceiling_one_class";
    public static final String GAP_WITHIN_NOISE = "gap_within_noise";
    public static final String PGR_UNSTABLE = "pgr_unstable";

    /** Weak soft labels whose standard deviation is below this carry no information about the documents. */
    static final double CONSTANT_STD = 1e-3;

    /**
     * A PGR interval wider than this says nothing: it spans more than the whole way from recovering none of the gap (0)
     * to recovering all of it (1), so it cannot tell any two findings apart (the README's first grammar example gave
     * [-38.0, 0.90]). An unbounded interval is wider than any width.
     */
    public static final double PGR_UNSTABLE_WIDTH = 1.0;

    /** Each flag in words, for warnings and the summary. */
    public static final Map<String, String> MEANING = Map.of(
            WEAK_LABELS_CONSTANT, "the weak labels are near-constant (their standard deviation on B is below "
                    + CONSTANT_STD + "; on a generative task: one answer written to every prompt of B)",
            WEAK_NO_SIGNAL, "the weak model cannot be told from chance (its test AUROC's 95% interval includes 0.5; "
                    + "on a generative task: its exact-match accuracy's interval reaches 0)",
            WEAK_ONE_CLASS, "the weak model predicts one class (writes one answer) on the whole test set",
            W2S_ONE_CLASS, "the student predicts one class (writes one answer) on the whole test set",
            CEILING_ONE_CLASS, "the ceiling predicts one class (writes one answer) on the whole test set",
            GAP_WITHIN_NOISE, "the gap between ceiling and weak accuracy is within test-set noise (its 95% interval "
                    + "includes 0), so PGR is a ratio of noise",
            PGR_UNSTABLE, "the PGR's 95% interval is wider than " + PGR_UNSTABLE_WIDTH + " (or unbounded), so this "
                    + "run's PGR cannot be told from any other value");

    private Flags() {}

    /**
     * The flags of a run, in a fixed order.
     *
     * @param weakLabelsB the weak model's P(class 1) on B, the student's training labels
     * @param weakTest    test predictions (N×2) of the weak model, the student and the ceiling
     * @param intervals   the run's paired bootstrap intervals
     */
    public static List<String> of(double[] weakLabelsB, double[][] weakTest, double[][] w2sTest, double[][] ceilingTest,
                                  Bootstrap.Intervals intervals) {
        List<String> flags = new ArrayList<>();
        if (std(weakLabelsB) < CONSTANT_STD) flags.add(WEAK_LABELS_CONSTANT);
        if (intervals.weakAuroc().contains(0.5)) flags.add(WEAK_NO_SIGNAL);
        if (oneClass(weakTest)) flags.add(WEAK_ONE_CLASS);
        if (oneClass(w2sTest)) flags.add(W2S_ONE_CLASS);
        if (oneClass(ceilingTest)) flags.add(CEILING_ONE_CLASS);
        if (intervals.gap().contains(0)) flags.add(GAP_WITHIN_NOISE);
        if (unstable(intervals.pgr())) flags.add(PGR_UNSTABLE);
        return List.copyOf(flags);
    }

    /**
     * The flags of a K-class or choice run, as {@link #of} for binary ones: near-constant weak labels (every column's
     * spread below 1e-3), a weak model that cannot be told from chance (its macro AUROC interval includes 0.5, where
     * it is resampled; else its accuracy interval includes chance: the majority class's share for K classes, the mean
     * 1/C for choices), one class predicted throughout (K classes only: a choice item's candidates are its own), and
     * the gap and PGR flags.
     */
    public static List<String> ofItems(double[][] weakLabelsB, double[][] weakTest, double[][] w2sTest,
                                       double[][] ceilingTest, int[] labels, boolean choice,
                                       Bootstrap.Intervals intervals, boolean aurocResampled) {
        List<String> flags = new ArrayList<>();
        if (ItemMetrics.spread(weakLabelsB) < CONSTANT_STD) flags.add(WEAK_LABELS_CONSTANT);
        if (aurocResampled ? intervals.weakAuroc().contains(0.5)
                : intervals.weakAccuracy().contains(chance(weakTest, labels, choice))) flags.add(WEAK_NO_SIGNAL);
        if (!choice) {
            if (ItemMetrics.oneClass(weakTest)) flags.add(WEAK_ONE_CLASS);
            if (ItemMetrics.oneClass(w2sTest)) flags.add(W2S_ONE_CLASS);
            if (ItemMetrics.oneClass(ceilingTest)) flags.add(CEILING_ONE_CLASS);
        }
        if (intervals.gap().contains(0)) flags.add(GAP_WITHIN_NOISE);
        if (unstable(intervals.pgr())) flags.add(PGR_UNSTABLE);
        return List.copyOf(flags);
    }

    /**
     * The flags of a generative run, by the same names: the weak labels constant when the weak model wrote one answer
     * to every prompt of B; no signal when its exact-match accuracy's 95% interval reaches 0 (it wrote no right answer
     * beyond noise); one class when a model wrote one answer to every test prompt; the gap and PGR flags as for
     * classification.
     */
    public static List<String> ofAnswers(List<String> weakB, List<String> weakTest, List<String> w2sTest,
                                         List<String> ceilingTest, Bootstrap.Intervals intervals) {
        List<String> flags = new ArrayList<>();
        if (new java.util.HashSet<>(weakB).size() <= 1) flags.add(WEAK_LABELS_CONSTANT);
        if (!(intervals.weakAccuracy().lo() > 0)) flags.add(WEAK_NO_SIGNAL);
        if (new java.util.HashSet<>(weakTest).size() <= 1) flags.add(WEAK_ONE_CLASS);
        if (new java.util.HashSet<>(w2sTest).size() <= 1) flags.add(W2S_ONE_CLASS);
        if (new java.util.HashSet<>(ceilingTest).size() <= 1) flags.add(CEILING_ONE_CLASS);
        if (intervals.gap().contains(0)) flags.add(GAP_WITHIN_NOISE);
        if (unstable(intervals.pgr())) flags.add(PGR_UNSTABLE);
        return List.copyOf(flags);
    }

    /** The accuracy of guessing: the majority class's share (K classes), the mean of 1/C (choices). */
    static double chance(double[][] probs, int[] labels, boolean choice) {
        if (choice) {
            double s = 0;
            for (double[] p : probs) s += 1.0 / p.length;
            return s / probs.length;
        }
        Map<Integer, Integer> counts = new java.util.HashMap<>();
        int most = 0;
        for (int y : labels) most = Math.max(most, counts.merge(y, 1, Integer::sum));
        return (double) most / labels.length;
    }

    /** Wider than {@link #PGR_UNSTABLE_WIDTH}, unbounded, or undefined (NaN bounds: no PGR at all). */
    static boolean unstable(Bootstrap.Interval pgr) {
        return !(pgr.hi() - pgr.lo() <= PGR_UNSTABLE_WIDTH);
    }

    static double std(double[] values) {
        double mean = 0;
        for (double v : values) mean += v / values.length;
        double var = 0;
        for (double v : values) var += (v - mean) * (v - mean) / values.length;
        return Math.sqrt(var);
    }

    static boolean oneClass(double[][] probs) {
        for (double[] p : probs) if (Metrics.predicted(p) != Metrics.predicted(probs[0])) return false;
        return true;
    }
}
