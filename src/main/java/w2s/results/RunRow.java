package w2s.results;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import w2s.base.Json;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.metrics.Bootstrap.Interval;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/**
 * One run as one flat row, the schema of every {@code row.parquet} a run folder holds and of the {@code runs} table
 * that {@code w2s results} and {@code w2s report} query. Column names are the names of metrics.json: its scalar
 * metrics as they are, intervals as two-element lists [lo, hi] (a null bound is unbounded), flags as a list of
 * strings, and metrics.json's nested parts (config, reliability, the curves, steps, label repair) as JSON text under
 * their own names. The configuration's main settings come first as columns to group by; {@code weak_params} and
 * {@code strong_params} are null for a model without a parameter count (bow), never a made-up size.
 */
public final class RunRow {
    /** Column → DuckDB type, in order. */
    public static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("cell_key", "VARCHAR");
        for (String c : List.of("task", "weak", "strong", "mode", "weak_mode", "loss", "ceiling_on", "chain",
                "early_stop", "weak_labels")) {
            COLUMNS.put(c, "VARCHAR");
        }
        for (String c : List.of("seed", "weak_params", "strong_params")) COLUMNS.put(c, "BIGINT");
        for (String c : List.of("s2s", "n_a", "n_b", "n_test")) COLUMNS.put(c, "INTEGER");
        for (String c : List.of("weak_accuracy", "w2s_accuracy", "ceiling_accuracy", "pgr", "weak_auroc", "w2s_auroc",
                "ceiling_auroc", "pgr_auroc")) {
            COLUMNS.put(c, "DOUBLE");
        }
        for (String c : List.of("weak_accuracy_ci", "w2s_accuracy_ci", "ceiling_accuracy_ci", "pgr_ci", "weak_auroc_ci",
                "w2s_auroc_ci", "ceiling_auroc_ci", "pgr_auroc_ci", "gap_ci")) {
            COLUMNS.put(c, "DOUBLE[]");
        }
        COLUMNS.put("flags", "VARCHAR[]");
        for (String c : List.of("weak_ece", "w2s_ece", "ceiling_ece", "weak_brier", "w2s_brier", "ceiling_brier",
                "agreement_all", "agreement_weak_correct", "agreement_weak_wrong", "weak_label_accuracy",
                "weak_pairwise_accuracy", "w2s_pairwise_accuracy", "ceiling_pairwise_accuracy", "w2s_temperature",
                "w2s_ece_uncalibrated", "seconds")) {
            COLUMNS.put(c, "DOUBLE");
        }
        for (String c : List.of("w2s_version", "w2s_commit", "config", "reliability", "w2s_curve", "ceiling_curve",
                "steps", "label_repair", "label_filter", "task_info")) {
            COLUMNS.put(c, "VARCHAR");
        }
        // K-class and choice runs: metrics.json's "items" (kind, K, top-5 accuracies, confusion matrices); null for
        // binary runs. Last, so the columns before keep their places.
        COLUMNS.put("items", "VARCHAR");
    }

    private RunRow() {}

    /**
     * The row's values in {@link #COLUMNS} order, as JDBC parameters: lists as DuckDB list literals (text cast to the
     * column's type), undefined numbers as null.
     */
    public static List<Object> values(String cellKey, RunResult r) {
        ExperimentConfig c = r.config();
        ExperimentConfig.EarlyStop es = c.earlyStop();
        List<Object> v = new ArrayList<>(Arrays.asList(cellKey, r.task().name(), c.weak().name(), c.strong().name(),
                c.strong().mode().id(), c.weak().mode().id(), c.loss(), c.ceilingOn(),
                c.via().stream().map(ModelConfig::name).collect(Collectors.joining(",")),
                es == null ? "" : es.metric() + "@" + es.fraction() + "/" + es.every(), c.weakLabels(),
                c.seed(), size(c.weak().name()), size(c.strong().name()),
                c.s2s(), r.nA(), r.nB(), r.nTest(),
                r.weakAccuracy(), r.w2sAccuracy(), r.ceilingAccuracy(), r.pgr(), r.weakAuroc(), r.w2sAuroc(),
                r.ceilingAuroc(), r.pgrAuroc(),
                list(r.weakAccuracyCi()), list(r.w2sAccuracyCi()), list(r.ceilingAccuracyCi()), list(r.pgrCi()),
                list(r.weakAurocCi()), list(r.w2sAurocCi()), list(r.ceilingAurocCi()), list(r.pgrAurocCi()),
                list(r.gapCi()),
                r.flags() == null ? null : "[" + String.join(", ", r.flags()) + "]",
                r.weakEce(), r.w2sEce(), r.ceilingEce(), r.weakBrier(), r.w2sBrier(), r.ceilingBrier(),
                r.agreementAll(), r.agreementWeakCorrect(), r.agreementWeakWrong(), r.weakLabelAccuracy(),
                r.weakPairwiseAccuracy(), r.w2sPairwiseAccuracy(), r.ceilingPairwiseAccuracy(), r.w2sTemperature(),
                r.w2sEceUncalibrated(), r.seconds() == null ? null : r.seconds().get("total"),
                r.environment() == null ? null : r.environment().get("w2s_version"),
                r.environment() == null ? null : r.environment().get("w2s_commit"),
                Json.compact(c), json(r.reliability()), json(r.w2sCurve()), json(r.ceilingCurve()), json(r.steps()),
                json(r.labelRepair()), json(r.labelFilter()), json(r.task()), json(r.items())));
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i) instanceof Double d && !Double.isFinite(d)) v.set(i, null);
        }
        return v;
    }

    private static String json(Object o) {
        return o == null ? null : Json.compact(o);
    }

    /** An interval as a DuckDB list literal; an unbounded side is NULL. */
    private static String list(Interval i) {
        if (i == null) return null;
        return "[" + bound(i.lo()) + ", " + bound(i.hi()) + "]";
    }

    private static String bound(double x) {
        return Double.isFinite(x) ? Double.toString(x) : "NULL";
    }

    /** A model's parameter count, or null for one without (bow) or whose size cannot be read. */
    public static Long size(String model) {
        if (model.equals(Models.BOW)) return null;
        try {
            return ResultStore.parameters(model);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
