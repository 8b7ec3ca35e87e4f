package w2s.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.metrics.Bootstrap;
import w2s.report.Json;
import w2s.report.RunTables;
import w2s.report.Table;

/**
 * The paper's figures for a results store, as one HTML page with inline SVG: accuracy against strong-model size,
 * PGR by loss, agreement with the supervisor where it is right and wrong, and accuracy over training steps.
 */
public final class HtmlReport {
    /** Runs of plain weak-to-strong training, the ones the paper's size and agreement figures show. */
    private static final String PLAIN = "chain = '' AND s2s = 0 AND early_stop = ''";

    private HtmlReport() {}

    public static String render(Results store, String name) {
        StringBuilder body = new StringBuilder();
        long runs = ((Number) store.query("SELECT count(*) FROM runs").rows().get(0).get(0)).longValue();
        body.append("<h1>Weak-to-strong results</h1><p>").append(runs).append(" runs in ").append(Svg.esc(name))
                .append(". Each point or bar is labelled with the number of seeds (n) it averages.</p>");
        body.append(section("Test accuracy against strong-model size",
                "One line per weak supervisor: the student's test accuracy (mean over n seeds) for each strong model, "
                        + "x on a log scale of parameters; dashed: the strong model trained on ground truth (ceiling).",
                accuracyBySize(store)));
        body.append(section("PGR by loss", "Median over weak-strong pairs of each pair's mean PGR; same-model pairs and "
                + "runs whose ceiling is not above the weak model left out; whiskers: 95% bootstrap interval over seeds; "
                + "n: seeds.", pgrByLoss(store)));
        body.append(summaryTable(store));
        body.append(section("Agreement with the supervisor", "Fraction of test points where the student predicts what "
                + "its weak supervisor predicts, where the supervisor is right and where it is wrong (mean over pairs "
                + "with different models; n: runs).", agreement(store)));
        body.append(section("Calibration", "Reliability diagrams on the test sets: accuracy against confidence of the "
                + "predicted class in 10 bins, pooled over runs (weighted by the points in each bin); dashed: perfect "
                + "calibration; n: runs behind each point. Students are shown per loss (temperature-scaled where the "
                + "run used --calibrate).", reliability(store)));
        body.append(section("Test accuracy over training steps", "Runs recorded with --eval-every; mean over n seeds; "
                + "dashed: ceilings.", curves(store)));
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>w2s report</title><style>"
                + "body{font-family:sans-serif;max-width:1450px;margin:20px auto;color:#222}"
                + "svg{border:1px solid #ddd;margin:4px}pre{background:#f6f6f6;padding:8px}"
                + "p.caption{color:#555;font-size:13px}</style></head><body>" + body + "</body></html>\n";
    }

    private static String section(String title, String caption, List<String> figures) {
        if (figures.isEmpty()) return "<h2>" + title + "</h2><p class=\"caption\">No runs to show.</p>";
        return "<h2>" + title + "</h2><p class=\"caption\">" + caption + "</p><div>" + String.join("", figures) + "</div>";
    }

    private static List<String> accuracyBySize(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, loss, weak, weak_params, strong_params, "
                + "avg(w2s_accuracy), count(*) FROM runs WHERE " + PLAIN + " GROUP BY ALL "
                + "ORDER BY task, loss, weak_params, weak, strong_params");
        ResultStore.Rows ceilings = store.query("SELECT task, strong_params, avg(c), count(*) FROM (SELECT DISTINCT "
                + "task, strong, strong_params, seed, ceiling_accuracy AS c FROM runs WHERE " + PLAIN + ") "
                + "GROUP BY ALL ORDER BY strong_params NULLS FIRST");
        Map<String, Map<String, List<Svg.Point>>> panels = new LinkedHashMap<>();
        for (List<Object> r : rows.rows()) {
            String panel = r.get(0) + ", loss " + r.get(1);
            panels.computeIfAbsent(panel, p -> new LinkedHashMap<>())
                    .computeIfAbsent("weak " + r.get(2), w -> new ArrayList<>())
                    .add(new Svg.Point(num(r.get(4)), num(r.get(5)), (int) num(r.get(6))));
        }
        List<String> figures = new ArrayList<>();
        for (var panel : panels.entrySet()) {
            String[] key = panel.getKey().split(", ");
            List<Svg.Series> series = new ArrayList<>();
            TreeSet<Double> xs = new TreeSet<>();
            panel.getValue().forEach((weak, points) -> {
                series.add(new Svg.Series(weak, mergeTies(points), false));
                points.forEach(p -> xs.add(p.x()));
            });
            List<Svg.Point> ceiling = new ArrayList<>();
            for (List<Object> r : ceilings.rows()) {
                if (r.get(0).equals(key[0])) {
                    ceiling.add(new Svg.Point(num(r.get(1)), num(r.get(2)), (int) num(r.get(3))));
                }
            }
            series.add(new Svg.Series("ceiling (ground truth)", mergeTies(ceiling), true));
            List<Double> ticks = new ArrayList<>(xs);
            List<String> labels = ticks.stream().map(HtmlReport::parameters).toList();
            figures.add(Svg.lines(panel.getKey(), "strong model parameters (log scale)", "test accuracy", true, series,
                    ticks, labels));
        }
        return figures;
    }

    /** Models of equal size (bge-small, e5-small) share an x: their points are averaged, weighted by n. */
    private static List<Svg.Point> mergeTies(List<Svg.Point> points) {
        Map<Double, double[]> byX = new TreeMap<>();
        for (Svg.Point p : points) {
            double[] acc = byX.computeIfAbsent(p.x(), x -> new double[2]);
            acc[0] += p.y() * p.n();
            acc[1] += p.n();
        }
        List<Svg.Point> out = new ArrayList<>();
        byX.forEach((x, acc) -> out.add(new Svg.Point(x, acc[0] / acc[1], (int) acc[1])));
        return out;
    }

    private static List<String> pgrByLoss(Results store) {
        Map<String, List<Summary.Line>> byTask = new LinkedHashMap<>();
        for (Summary.Line l : Summary.medianPgr(store)) byTask.computeIfAbsent(l.task(), t -> new ArrayList<>()).add(l);
        List<String> figures = new ArrayList<>();
        byTask.forEach((task, lines) -> {
            boolean oneVariant = lines.stream().map(Summary.Line::variant).distinct().count() == 1;
            List<String> categories = lines.stream().map(l -> oneVariant ? l.loss() : l.loss() + " " + l.variant()).toList();
            List<Svg.Bar> bars = lines.stream().map(l -> new Svg.Bar(l.median(), l.lo(), l.hi(), l.seeds())).toList();
            boolean titled = oneVariant && !lines.get(0).variant().isEmpty();
            figures.add(Svg.bars(task + (titled ? ", " + lines.get(0).variant() : ""), "median PGR", categories,
                    List.of("median PGR"), List.of(bars), true));
        });
        return figures;
    }

    private static String summaryTable(Results store) {
        Table t = new Table("task", "loss", "variant", "pairs", "seeds", "median PGR", "95% CI", "PGR (AUROC)",
                "95% CI");
        for (Summary.Line l : Summary.medianPgr(store)) {
            t.row(l.task(), l.loss(), l.variant(), l.pairs(), l.seeds(), l.median(),
                    RunTables.interval(new Bootstrap.Interval(l.lo(), l.hi())), l.aurocMedian(),
                    RunTables.interval(new Bootstrap.Interval(l.aurocLo(), l.aurocHi())));
        }
        return "<pre>" + Svg.esc(t.toString()) + "</pre>";
    }

    private static List<String> agreement(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, '', loss, avg(agreement_weak_correct), "
                + "avg(agreement_weak_wrong), count(*) FROM runs WHERE weak <> strong AND " + PLAIN
                + " GROUP BY ALL ORDER BY task, loss");
        Map<String, List<List<Object>>> byPanel = new LinkedHashMap<>();
        for (List<Object> r : rows.rows()) byPanel.computeIfAbsent((String) r.get(0), k -> new ArrayList<>()).add(r);
        List<String> figures = new ArrayList<>();
        byPanel.forEach((panel, rs) -> {
            List<String> losses = rs.stream().map(r -> (String) r.get(2)).toList();
            List<Svg.Bar> right = rs.stream().map(r -> new Svg.Bar(num(r.get(3)), Double.NaN, Double.NaN, (int) num(r.get(5)))).toList();
            List<Svg.Bar> wrong = rs.stream().map(r -> new Svg.Bar(num(r.get(4)), Double.NaN, Double.NaN, (int) num(r.get(5)))).toList();
            figures.add(Svg.bars(panel, "agreement with supervisor", losses,
                    List.of("supervisor right", "supervisor wrong"), List.of(right, wrong), false));
        });
        return figures;
    }

    private static List<String> curves(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, weak, strong, loss, '{\"w2s_curve\":' || w2s_curve || ',\"ceiling_curve\":' || "
                + "ceiling_curve || ',\"config\":' || config || '}' FROM runs WHERE " + PLAIN
                + " AND w2s_curve LIKE '[{%' ORDER BY task, weak_params, strong_params, loss, seed");
        // task → series → step → [sum, n]
        Map<String, Map<String, TreeMap<Integer, double[]>>> tasks = new LinkedHashMap<>();
        Map<String, Boolean> dashed = new LinkedHashMap<>();
        for (List<Object> r : rows.rows()) {
            JsonNode result;
            try {
                result = Json.MAPPER.readTree((String) r.get(4));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            var series = tasks.computeIfAbsent((String) r.get(0), t -> new LinkedHashMap<>());
            add(series, r.get(1) + "->" + r.get(2) + " " + r.get(3), result.path("w2s_curve"));
            // The ceiling does not depend on the weak model or loss: count it once per seed.
            String ceiling = "ceiling " + r.get(2);
            dashed.put(ceiling, true);
            String seedKey = ceiling + "#" + result.path("config").path("split").path("seed").asText();
            if (dashed.putIfAbsent(seedKey, true) == null) add(series, ceiling, result.path("ceiling_curve"));
        }
        List<String> figures = new ArrayList<>();
        tasks.forEach((task, series) -> {
            List<Svg.Series> out = new ArrayList<>();
            series.forEach((name, steps) -> {
                if (out.size() >= 8 || steps.isEmpty()) return;
                List<Svg.Point> points = new ArrayList<>();
                steps.forEach((step, acc) -> points.add(new Svg.Point(step, acc[0] / acc[1], (int) acc[1])));
                out.add(new Svg.Series(name, points, name.startsWith("ceiling")));
            });
            if (!out.isEmpty()) figures.add(Svg.lines(task, "optimiser step", "test accuracy", false, out, null, null));
        });
        return figures;
    }

    private static List<String> reliability(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, loss, '{\"reliability\":' || reliability || '}' FROM runs WHERE " + PLAIN
                + " AND reliability IS NOT NULL ORDER BY task, loss, seed");
        // task → series → bin → [count, confidence·count, accuracy·count, runs]
        Map<String, Map<String, TreeMap<Integer, double[]>>> tasks = new LinkedHashMap<>();
        for (List<Object> r : rows.rows()) {
            JsonNode reliability;
            try {
                reliability = Json.MAPPER.readTree((String) r.get(2)).path("reliability");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            var series = tasks.computeIfAbsent((String) r.get(0), t -> new LinkedHashMap<>());
            pool(series, "weak supervisors", reliability.path("weak"));
            pool(series, "students, " + r.get(1), reliability.path("w2s"));
            pool(series, "ceilings", reliability.path("ceiling"));
        }
        List<String> figures = new ArrayList<>();
        tasks.forEach((task, series) -> {
            List<Svg.Series> out = new ArrayList<>();
            out.add(new Svg.Series("perfect calibration", List.of(new Svg.Point(0.5, 0.5, 0), new Svg.Point(1, 1, 0)),
                    true));
            series.forEach((name, bins) -> {
                List<Svg.Point> points = new ArrayList<>();
                bins.forEach((bin, v) -> points.add(new Svg.Point(v[1] / v[0], v[2] / v[0], (int) v[3])));
                if (!points.isEmpty()) out.add(new Svg.Series(name, points, false));
            });
            figures.add(Svg.lines(task, "confidence of the predicted class", "accuracy", false, out, null, null));
        });
        return figures;
    }

    private static void pool(Map<String, TreeMap<Integer, double[]>> series, String name, JsonNode reliability) {
        JsonNode bins = reliability.path("bins");
        if (!bins.isArray()) return;
        TreeMap<Integer, double[]> pooled = series.computeIfAbsent(name, n -> new TreeMap<>());
        for (int b = 0; b < bins.size(); b++) {
            JsonNode bin = bins.get(b);
            int count = bin.path("count").asInt();
            if (count == 0) continue;
            double[] v = pooled.computeIfAbsent(b, k -> new double[4]);
            v[0] += count;
            v[1] += bin.path("mean_confidence").asDouble() * count;
            v[2] += bin.path("accuracy").asDouble() * count;
            v[3]++;
        }
    }

    private static void add(Map<String, TreeMap<Integer, double[]>> series, String name, JsonNode curve) {
        if (!curve.isArray() || curve.isEmpty()) return;
        TreeMap<Integer, double[]> steps = series.computeIfAbsent(name, n -> new TreeMap<>());
        for (JsonNode p : curve) {
            double[] acc = steps.computeIfAbsent(p.path("step").asInt(), s -> new double[2]);
            acc[0] += p.path("accuracy").asDouble();
            acc[1]++;
        }
    }

    private static String parameters(double n) {
        return n >= 1e6 ? String.format(Locale.ROOT, "%.1fM", n / 1e6) : String.format(Locale.ROOT, "%.0fk", n / 1e3);
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }
}
