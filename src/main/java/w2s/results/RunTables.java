package w2s.results;

import java.util.List;

import w2s.base.Table;
import w2s.experiment.RunResult;
import w2s.metrics.Bootstrap.Interval;
import w2s.metrics.Flags;

/** The tables a run prints. */
public final class RunTables {
    private RunTables() {}

    /** One run: weak, student and ceiling side by side, then PGR and agreement. */
    public static String single(RunResult r) {
        var c = r.config();
        StringBuilder sb = new StringBuilder();
        // A pretrained classifier's given predictions (--weak-labels on a feature task) are no probe of its name.
        String weak = r.items() != null && r.items().weakPretrained() ? c.weak().name() + " (given predictions)"
                : c.weak().describe();
        sb.append(String.format("task %s: %s -> %s, loss %s, seed %d; A %d / B %d / test %d documents%n",
                r.task().name(), weak, c.strong().describe(), c.loss(), c.seed(), r.nA(), r.nB(), r.nTest()));
        boolean pairs = r.w2sPairwiseAccuracy() != null;
        Table t = pairs ? new Table("model", "role", "accuracy", "95% CI", "auroc", "95% CI", "ece", "brier", "pairwise")
                : new Table("model", "role", "accuracy", "95% CI", "auroc", "95% CI", "ece", "brier");
        addRow(t, pairs, weak, "weak supervisor", r.weakAccuracy(), r.weakAccuracyCi(), r.weakAuroc(),
                r.weakAurocCi(), r.weakEce(), r.weakBrier(), r.weakPairwiseAccuracy());
        addRow(t, pairs, c.strong().describe(), "weak-to-strong student", r.w2sAccuracy(), r.w2sAccuracyCi(),
                r.w2sAuroc(), r.w2sAurocCi(), r.w2sEce(), r.w2sBrier(), r.w2sPairwiseAccuracy());
        addRow(t, pairs, c.strong().describe(), "strong ceiling (ground truth on " + c.ceilingOn() + ")",
                r.ceilingAccuracy(), r.ceilingAccuracyCi(), r.ceilingAuroc(), r.ceilingAurocCi(), r.ceilingEce(),
                r.ceilingBrier(), r.ceilingPairwiseAccuracy());
        sb.append(t);
        if (r.steps().size() > 1 || r.steps().get(0).stoppedAt() != null) {
            Table steps = new Table("step", "model", "accuracy", "kept step");
            for (int i = 0; i < r.steps().size(); i++) {
                var s = r.steps().get(i);
                steps.row((i + 1) + " " + s.role(), s.model(), s.accuracy(),
                        s.stoppedAt() == null ? "last" : s.stoppedAt() + "/" + s.totalSteps());
            }
            sb.append(steps);
        }
        sb.append(String.format("PGR %s %s   on AUROC %s %s   gap (ceiling - weak accuracy) %s %s%n",
                Table.format(r.pgr()), interval(r.pgrCi()), Table.format(r.pgrAuroc()), interval(r.pgrAurocCi()),
                Table.format(r.ceilingAccuracy() - r.weakAccuracy()), interval(r.gapCi())));
        sb.append(String.format("weak labels on B: accuracy %s; 95%% intervals: paired bootstrap over the %d test "
                + "documents%n", Table.format(r.weakLabelAccuracy()), r.nTest()));
        sb.append("flags: ").append(r.flags().isEmpty() ? "none" : String.join(", ", r.flags())).append('\n');
        if (r.w2sTemperature() != null) {
            sb.append(String.format("student temperature-scaled: T = %s (fitted on %.0f%% of B with weak labels); "
                            + "ECE %s -> %s%n", Table.format(r.w2sTemperature()), 100 * c.calibrate(),
                    Table.format(r.w2sEceUncalibrated()), Table.format(r.w2sEce())));
        }
        if (r.labelRepair() != null) {
            sb.append(String.format("label repair (%s): %d of %d weak labels changed, %d of them to the right class; "
                            + "weak-label accuracy %s -> %s%n", c.repair().probe(), r.labelRepair().changed(),
                    r.labelRepair().n(), r.labelRepair().changedCorrectly(), Table.format(r.labelRepair().accuracyBefore()),
                    Table.format(r.labelRepair().accuracyAfter())));
        }
        if (r.labelFilter() != null) {
            sb.append(String.format("label filter (%s): dropped %d of %d weak labels, %d of them wrong; "
                            + "weak-label accuracy %s -> %s on the rest%n", c.repair().probe(), r.labelFilter().dropped(),
                    r.labelFilter().n(), r.labelFilter().droppedWrong(), Table.format(r.labelFilter().accuracyBefore()),
                    Table.format(r.labelFilter().accuracyKept())));
        }
        sb.append(String.format("student agrees with supervisor: %s overall, %s where it is right, %s where it is wrong%n",
                Table.format(r.agreementAll()), Table.format(r.agreementWeakCorrect()),
                Table.format(r.agreementWeakWrong())));
        return sb.toString();
    }

    private static void addRow(Table t, boolean pairs, String model, String role, double acc, Interval accCi,
                               double auroc, Interval aurocCi, double ece, double brier, Double pairwise) {
        if (pairs) t.row(model, role, acc, interval(accCi), auroc, interval(aurocCi), ece, brier, pairwise);
        else t.row(model, role, acc, interval(accCi), auroc, interval(aurocCi), ece, brier);
    }

    /**
     * [lo, hi]; "unbounded" when a side is infinite (over 2.5% of resamples left no gap to recover), as the summary
     * says it; n/a for results stored before intervals existed, or undefined.
     */
    public static String interval(Interval ci) {
        if (ci == null || Double.isNaN(ci.lo()) && Double.isNaN(ci.hi())) return "n/a";
        if (Double.isInfinite(ci.lo()) || Double.isInfinite(ci.hi())) return "unbounded";
        return "[" + Table.format(ci.lo()) + ", " + Table.format(ci.hi()) + "]";
    }

    /** One line per flag, in words, for stderr: a flagged run's PGR must not be read like any other. */
    public static List<String> warnings(RunResult r) {
        if (r.flags() == null) return List.of();
        return r.flags().stream().map(f -> "w2s: warning: PGR of this run is not meaningful: "
                + Flags.MEANING.getOrDefault(f, f) + " [" + f + "]").toList();
    }

    /** Median over seeds per loss, as the paper reports it: accuracies, PGR, and agreement where the supervisor is wrong. */
    public static String medians(List<RunResult> results) {
        Table t = new Table("loss", "seeds", "weak acc", "w2s acc", "ceiling acc", "median PGR", "agree(wrong)");
        java.util.Map<String, List<RunResult>> byLoss = new java.util.LinkedHashMap<>();
        for (RunResult r : results) byLoss.computeIfAbsent(r.config().loss(), l -> new java.util.ArrayList<>()).add(r);
        byLoss.forEach((loss, rs) -> t.row(loss, rs.size(), median(rs, RunResult::weakAccuracy),
                median(rs, RunResult::w2sAccuracy), median(rs, RunResult::ceilingAccuracy), median(rs, RunResult::pgr),
                median(rs, RunResult::agreementWeakWrong)));
        return t.toString();
    }

    /** The median of the defined values (NaN, e.g. an undefined PGR, left out), or NaN if none is defined. */
    static double median(List<RunResult> results, java.util.function.ToDoubleFunction<RunResult> metric) {
        double[] v = results.stream().mapToDouble(metric).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Several runs, one line each: the comparison a researcher reads first. */
    public static String compare(List<RunResult> results) {
        Table t = new Table("task", "weak", "strong", "loss", "seed", "weak acc", "w2s acc", "ceiling acc", "PGR",
                "PGR 95% CI", "w2s auroc", "agree(wrong)", "w2s ece", "flags");
        for (RunResult r : results) {
            var c = r.config();
            t.row(r.task().name(), c.weak().describe(), c.strong().describe(), c.loss(), c.seed(), r.weakAccuracy(),
                    r.w2sAccuracy(), r.ceilingAccuracy(), r.pgr(), interval(r.pgrCi()), r.w2sAuroc(),
                    r.agreementWeakWrong(), r.w2sEce(), r.flags() == null ? "n/a" : String.join(",", r.flags()));
        }
        return t.toString();
    }
}
