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
    public static final String WEAK_ONE_CLASS = "weak_one_class";
    public static final String W2S_ONE_CLASS = "w2s_one_class";
    public static final String CEILING_ONE_CLASS = "ceiling_one_class";
    public static final String GAP_WITHIN_NOISE = "gap_within_noise";

    /** Weak soft labels whose standard deviation is below this carry no information about the documents. */
    static final double CONSTANT_STD = 1e-3;

    /** Each flag in words, for warnings and the summary. */
    public static final Map<String, String> MEANING = Map.of(
            WEAK_LABELS_CONSTANT, "the weak labels carry no signal (near-constant soft labels on B, or the weak "
                    + "model's test AUROC cannot be told from 0.5)",
            WEAK_ONE_CLASS, "the weak model predicts one class on the whole test set",
            W2S_ONE_CLASS, "the student predicts one class on the whole test set",
            CEILING_ONE_CLASS, "the ceiling predicts one class on the whole test set",
            GAP_WITHIN_NOISE, "the gap between ceiling and weak accuracy is within test-set noise (its 95% interval "
                    + "includes 0), so PGR is a ratio of noise");

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
        if (std(weakLabelsB) < CONSTANT_STD || intervals.weakAuroc().contains(0.5)) flags.add(WEAK_LABELS_CONSTANT);
        if (oneClass(weakTest)) flags.add(WEAK_ONE_CLASS);
        if (oneClass(w2sTest)) flags.add(W2S_ONE_CLASS);
        if (oneClass(ceilingTest)) flags.add(CEILING_ONE_CLASS);
        if (intervals.gap().contains(0)) flags.add(GAP_WITHIN_NOISE);
        return List.copyOf(flags);
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
