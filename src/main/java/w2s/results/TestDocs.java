package w2s.results;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import w2s.metrics.Bootstrap;

/**
 * The test predictions of stored runs (each run folder's {@code predictions.parquet}, split 'test'), held so the
 * summary can resample test documents: runs scored on the same documents share one {@link TestSet}, so one draw of
 * documents applies to all of them (paired), as each run's own bootstrap pairs its weak model, student and ceiling.
 */
public final class TestDocs {
    private TestDocs() {}

    /** The documents of one test set, ids in sorted order, and their ground-truth labels. */
    public record TestSet(List<String> ids, int[] labels) {
        public int size() {
            return ids.size();
        }
    }

    /** A run's weak model, student and ceiling on its test set, prepared to score a resample of its documents. */
    public record Scored(TestSet set, Bootstrap.Scorer weak, Bootstrap.Scorer student, Bootstrap.Scorer ceiling) {}

    /**
     * Builds the scorers of runs from their test predictions (P(class 1) per document). Runs whose ids and labels
     * are the same share one TestSet instance, whatever order their rows came in.
     *
     * @param perRun run key → rows {id, label, weak, student, ceiling}
     */
    public static Map<String, Scored> of(Map<String, List<Row>> perRun) {
        Map<List<Object>, TestSet> sets = new HashMap<>();
        Map<String, Scored> out = new LinkedHashMap<>();
        perRun.forEach((key, rows) -> {
            if (rows.isEmpty()) return;
            List<Row> sorted = new ArrayList<>(rows);
            sorted.sort(Comparator.comparing(Row::id));
            List<String> ids = sorted.stream().map(Row::id).toList();
            int[] labels = sorted.stream().mapToInt(Row::label).toArray();
            TestSet set = sets.computeIfAbsent(List.of(ids, Arrays.stream(labels).boxed().toList()),
                    k -> new TestSet(ids, labels));
            out.put(key, new Scored(set, scorer(sorted, Row::weak, labels), scorer(sorted, Row::student, labels),
                    scorer(sorted, Row::ceiling, labels)));
        });
        return out;
    }

    /** One test document of one run. */
    public record Row(String id, int label, double weak, double student, double ceiling) {}

    private static Bootstrap.Scorer scorer(List<Row> rows, java.util.function.ToDoubleFunction<Row> p, int[] labels) {
        double[][] probs = new double[rows.size()][];
        for (int i = 0; i < probs.length; i++) {
            double p1 = p.applyAsDouble(rows.get(i));
            probs[i] = new double[] {1 - p1, p1};
        }
        return new Bootstrap.Scorer(probs, labels);
    }

    /**
     * The test predictions of every run in a folder store, by cell key; runs without predictions.parquet (cached by
     * a w2s older than the file, or a DuckDB store) are absent, and the summary resamples only their seeds.
     */
    public static Map<String, Scored> read(Results store) {
        Map<String, Path> folders = store.folders();
        Map<Path, String> keyOf = new HashMap<>();
        folders.forEach((key, dir) -> {
            Path p = dir.resolve(RunFiles.PREDICTIONS).toAbsolutePath();
            if (RunFiles.isParquet(p)) keyOf.putIfAbsent(p, key);
        });
        if (keyOf.isEmpty()) return Map.of();
        // union_by_name: K-class and choice runs' files have credit columns that binary runs' files lack.
        ResultStore.Rows rows = store.query("SELECT * FROM read_parquet(["
                + keyOf.keySet().stream().map(RunFiles::literal).collect(Collectors.joining(", "))
                + "], filename = true, union_by_name = true) WHERE split = 'test'");
        int file = rows.column("filename");
        int id = rows.column("id");
        int label = rows.column("label");
        int[] p = {rows.column("weak"), rows.column("student"), rows.column("ceiling")};
        int[] credit = rows.columns().contains("weak_credit") ? new int[] {rows.column("weak_credit"),
                rows.column("student_credit"), rows.column("ceiling_credit")} : null;
        Map<String, List<Row>> perRun = new LinkedHashMap<>();
        Map<String, List<Row>> perItemRun = new LinkedHashMap<>();
        for (List<Object> r : rows.rows()) {
            String key = keyOf.get(Path.of((String) r.get(file)).toAbsolutePath());
            boolean items = credit != null && r.get(credit[0]) != null;
            int[] cols = items ? credit : p;
            if (key == null || r.get(cols[0]) == null || r.get(cols[1]) == null || r.get(cols[2]) == null) continue;
            (items ? perItemRun : perRun).computeIfAbsent(key, k -> new ArrayList<>()).add(new Row(
                    String.valueOf(r.get(id)), ((Number) r.get(label)).intValue(), ((Number) r.get(cols[0])).doubleValue(),
                    ((Number) r.get(cols[1])).doubleValue(), ((Number) r.get(cols[2])).doubleValue()));
        }
        Map<String, Scored> out = new LinkedHashMap<>(of(perRun));
        out.putAll(ofCredits(perItemRun));
        return out;
    }

    /**
     * As {@link #of}, for K-class and choice runs, whose rows hold each model's accuracy credit per item in place of
     * P(class 1): resamples score their accuracy; their AUROC is not resampled here (NaN).
     */
    static Map<String, Scored> ofCredits(Map<String, List<Row>> perRun) {
        Map<List<Object>, TestSet> sets = new HashMap<>();
        Map<String, Scored> out = new LinkedHashMap<>();
        perRun.forEach((key, rows) -> {
            List<Row> sorted = new ArrayList<>(rows);
            sorted.sort(Comparator.comparing(Row::id));
            List<String> ids = sorted.stream().map(Row::id).toList();
            int[] labels = sorted.stream().mapToInt(Row::label).toArray();
            TestSet set = sets.computeIfAbsent(List.of(ids, Arrays.stream(labels).boxed().toList()),
                    k -> new TestSet(ids, labels));
            out.put(key, new Scored(set, Bootstrap.Scorer.credits(sorted.stream().mapToDouble(Row::weak).toArray()),
                    Bootstrap.Scorer.credits(sorted.stream().mapToDouble(Row::student).toArray()),
                    Bootstrap.Scorer.credits(sorted.stream().mapToDouble(Row::ceiling).toArray())));
        });
        return out;
    }
}
