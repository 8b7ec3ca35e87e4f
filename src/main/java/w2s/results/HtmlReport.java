package w2s.results;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;
import w2s.metrics.Bootstrap;
import w2s.metrics.Flags;

/**
 * The paper's figures for a folder of runs, as one HTML page that works offline: Apache ECharts (read from its WebJar
 * and inlined), the figures' data as JSON, and a small renderer ({@code report.js}, which places and draws). Figures:
 * the paper's, per task: test accuracy against the strong model (by parameters, log scale; models without a size,
 * like bow, on a slot of the same y axis), one colour per weak model, one line style per loss, and the ceiling; PGR
 * against the strong model in the same colours and styles; agreement with the supervisor where it is right and wrong;
 * test accuracy over training steps, one panel per experiment with every seed; reliability diagrams. Points carry n
 * and a 95% interval, tooltips the settings, and points that include flagged runs are marked.
 */
@SuppressWarnings("unchecked")
public final class HtmlReport {
    private static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private HtmlReport() {}

    /** One run as the figures read it. */
    private record R(String task, String weak, String strong, String mode, String loss, long seed, Long weakParams,
                     Long strongParams, double weakAcc, double w2sAcc, double ceilingAcc, double pgr,
                     List<Object> w2sCi, List<Object> ceilingCi, List<Object> pgrCi, double agreeRight,
                     double agreeWrong, List<String> flags, String variant, JsonNode w2sCurve, JsonNode ceilingCurve,
                     JsonNode reliability, int nTest, Summary.Run run) {
        boolean flagged() {
            return flags != null && !flags.isEmpty();
        }
    }

    public static String render(Results store, String name) {
        Summary.Report summary = Summary.summarize(store, false);
        List<String> grouped = summary.groupedBy().subList(2, summary.groupedBy().size());
        List<R> runs = read(store, grouped);
        List<Map<String, Object>> figures = new ArrayList<>();
        Styles styles = Styles.of(runs);
        figures.addAll(accuracyBySize(runs, styles));
        figures.addAll(pgrBySize(runs, styles));
        figures.addAll(agreement(runs, styles));
        List<Map<String, Object>> curves = curves(runs);
        figures.addAll(curves);
        figures.addAll(reliability(runs));
        long flagged = runs.stream().filter(R::flagged).count();
        long withCurves = runs.stream().filter(r -> r.w2sCurve().isArray() && !r.w2sCurve().isEmpty()).count();

        StringBuilder body = new StringBuilder();
        body.append("<h1>Weak-to-strong results</h1><p>").append(runs.size()).append(" runs in ").append(esc(name))
                .append(grouped.isEmpty() ? "" : "; experiments differ in " + esc(String.join(", ", grouped))
                        + " (a panel per value)")
                .append(". Points carry a 95% interval (whiskers) and the number of runs or seeds behind them (n, in "
                        + "the tooltip, and on the point where it differs from the panel's usual n); hover for the "
                        + "settings. An interval reaching past its axis is cut at the axis and ends in an arrow; its "
                        + "numbers are in the tooltip. Hollow diamonds include runs flagged as degenerate (")
                .append(flagged).append(" flagged runs, listed below). Each chart saves as SVG or PNG with the "
                        + "buttons under it.</p>");
        body.append("<p id=\"w2s-status\" class=\"status\" data-status=\"pending\">charts not drawn (JavaScript off?)</p>");
        body.append(section("accuracy", "Test accuracy against the strong model",
                "The paper's figure, one panel per task: the strong models on x in order of parameters (log scale), "
                        + "each tick naming the model, its size and its ceiling accuracy; models without a parameter "
                        + "count (bow) on a slot of their own at the left, on the same y axis. One colour per weak "
                        + "supervisor, one line style per loss (xent solid, logconf dashed): the student's test "
                        + "accuracy, mean over n seeds; black: the strong model trained on ground truth (ceiling). "
                        + "Series at one model are set a few pixels apart, and models of the same size a little "
                        + "further, never averaged. Whiskers: 95% t-interval over seeds (n ≥ 2) or the run's bootstrap "
                        + "interval over test documents (n = 1). Under the title: median PGR per loss, as in the "
                        + "summary below."));
        body.append(section("pgr", "PGR against the strong model",
                "Colours and line styles as above; grey lines at 0 (the weak supervisor) and 1 (the ceiling). "
                        + "The paper's aggregation per weak–strong pair: weak and ceiling accuracies averaged over seeds, each run's "
                        + "PGR against them, the median over runs (n); whiskers: the summary's 95% interval (seeds and "
                        + "test documents resampled together). "
                        + "Same-model pairs, pairs whose ceiling is not above the weak model, and flagged runs are left "
                        + "out, as in the summary below."));
        body.append(summaryTable(summary));
        body.append(section("agreement", "Agreement with the supervisor",
                "Fraction of test points where the student predicts what its weak supervisor predicts, where the "
                        + "supervisor is right and where it is wrong, per loss: mean over runs with different weak and "
                        + "strong models (n); whiskers: 95% t-interval over runs."));
        body.append(section("curves", "Test accuracy over training steps",
                "Test accuracy recorded during training (by default at about 20 evenly spaced steps; --eval-every), "
                        + "one panel per experiment: solid, the student of each seed; dashed, the ceiling of the same "
                        + "seed. " + withCurves + " of " + runs.size() + " runs have a curve" + (withCurves < runs.size()
                        ? " (the others ran with --eval-every 0, or reused a cached result from before curves were "
                        + "recorded by default)" : "") + "."));
        body.append(section("calibration", "Calibration",
                "Reliability diagrams on the test sets: accuracy against the confidence of the predicted class in 10 "
                        + "bins, pooled over runs (weighted by the points in each bin); dashed: perfect calibration; "
                        + "whiskers: 95% normal interval on the pooled bin; the tooltip gives each bin's n (test points "
                        + "and runs). Students per loss (temperature-scaled where the run used --calibrate)."));
        body.append(flaggedTable(runs));
        body.append(ItemReport.section(store));

        Map<String, Object> data = new LinkedHashMap<>();
        data.put("figures", figures);
        // JSON inside a script element: "</" must not end it.
        String json = Json.compact(data).replace("</", "<\\/");
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>w2s report</title><style>"
                + "body{font-family:sans-serif;max-width:1500px;margin:20px auto;color:#222}"
                + ".charts{display:flex;flex-wrap:wrap;gap:6px}.figure{border:1px solid #ddd}"
                + ".save{text-align:right;padding:2px 4px}.save button{font-size:11px;margin-left:4px}"
                + "table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 7px;"
                + "text-align:left}p.caption{color:#555;font-size:13px;max-width:1100px}"
                + ".status{font-size:11px;color:#999}.status[data-status=error]{color:#d62728;font-size:14px}"
                + "</style><script>" + echarts() + "</script></head><body>" + body
                + "<script id=\"w2s-data\" type=\"application/json\">" + json + "</script><script>" + resource()
                + "</script></body></html>\n";
    }

    private static String section(String id, String title, String caption) {
        return "<h2>" + title + "</h2><p class=\"caption\">" + caption + "</p><div class=\"charts\" id=\"fig-" + id
                + "\"></div>";
    }

    private static String echarts() {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(ECHARTS)) {
            if (in == null) throw new IllegalStateException("ECharts is missing from the class path (" + ECHARTS + ")");
            return "/* Apache ECharts 5.3.1, Apache-2.0, from org.webjars.npm:echarts:5.3.1 */\n"
                    + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource() {
        try (InputStream in = HtmlReport.class.getResourceAsStream("report.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<R> read(Results store, List<String> grouped) {
        ResultStore.Rows rows = store.query("SELECT task, weak, strong, mode, loss, seed, weak_params, strong_params, "
                + "weak_accuracy, w2s_accuracy, ceiling_accuracy, pgr, w2s_accuracy_ci, ceiling_accuracy_ci, pgr_ci, "
                + "agreement_weak_correct, agreement_weak_wrong, flags, config, w2s_curve, ceiling_curve, reliability, "
                + "n_test, weak_auroc, w2s_auroc, ceiling_auroc, cell_key FROM runs ORDER BY task, loss, weak, strong, seed, "
                + "cell_key");
        // Per-example test predictions, so each point's interval resamples test documents as the summary's does.
        Map<String, TestDocs.Scored> tests = TestDocs.read(store);
        List<R> runs = new ArrayList<>();
        for (List<Object> r : rows.rows()) {
            List<String> flags = r.get(17) == null ? null : ((List<?>) r.get(17)).stream().map(String::valueOf).toList();
            Map<String, String> settings = Summary.settings((String) r.get(18));
            String variant = grouped.stream().map(s -> s + "=" + settings.getOrDefault(s, Summary.ABSENT))
                    .collect(Collectors.joining(" "));
            Summary.Run run = new Summary.Run((String) r.get(0), (String) r.get(4), (String) r.get(1),
                    (String) r.get(2), num(r.get(5)).longValue(), dbl(r.get(8)), dbl(r.get(9)), dbl(r.get(10)),
                    dbl(r.get(23)), dbl(r.get(24)), dbl(r.get(25)), flags, settings, tests.get((String) r.get(26)));
            runs.add(new R((String) r.get(0), (String) r.get(1), (String) r.get(2), (String) r.get(3),
                    (String) r.get(4), num(r.get(5)).longValue(), r.get(6) == null ? null : num(r.get(6)).longValue(),
                    r.get(7) == null ? null : num(r.get(7)).longValue(), dbl(r.get(8)), dbl(r.get(9)), dbl(r.get(10)),
                    dbl(r.get(11)), list(r.get(12)), list(r.get(13)), list(r.get(14)), dbl(r.get(15)), dbl(r.get(16)),
                    flags, variant, tree(r.get(19)), tree(r.get(20)), tree(r.get(21)),
                    r.get(22) == null ? 0 : num(r.get(22)).intValue(), run));
        }
        return runs;
    }

    // ---- figures ----

    /**
     * The paper's figure (the openai notebook's): per task, the student's test accuracy for each strong model, one
     * line per weak model and loss, and the ceiling; x is the strong model (see {@link #models}).
     */
    private static List<Map<String, Object>> accuracyBySize(List<R> runs, Styles styles) {
        List<Map<String, Object>> figures = new ArrayList<>();
        groupBy(runs, r -> List.of(r.task(), r.variant())).forEach((key, panel) -> {
            List<Map<String, Object>> series = new ArrayList<>();
            groupBy(styles.sorted(panel), r -> List.of(r.weak(), r.loss())).forEach((s, byWeak) -> {
                List<Map<String, Object>> points = new ArrayList<>();
                groupBy(byWeak, r -> List.of(r.strong())).forEach((strong, cell) -> points.add(point(cell.get(0),
                        mean(cell, R::w2sAcc, R::w2sCi), cell, "student accuracy")));
                series.add(styles.series("weak " + s.get(0) + ", " + s.get(1), s.get(0), s.get(1), points));
            });
            List<Map<String, Object>> ceiling = new ArrayList<>();
            // A ceiling is flagged by what concerns it (one class predicted), not by its runs' pairs' flags.
            ceilings(panel).forEach((strong, perSeed) -> {
                Estimate e = mean(perSeed, R::ceilingAcc, R::ceilingCi);
                ceiling.add(point(perSeed.get(0), e, tip(perSeed.get(0), "ceiling accuracy " + estimate(e), perSeed,
                        Flags.CEILING_ONE_CLASS::equals), perSeed.stream().anyMatch(r -> r.flagged()
                        && r.flags().contains(Flags.CEILING_ONE_CLASS))));
            });
            series.add(series("ceiling (ground truth)", ceiling, false, "#000000"));
            Map<String, Object> f = figure("accuracy", key.get(0) + (key.get(1).isEmpty() ? "" : ", " + key.get(1)),
                    "size", axis("strong model (parameters, log scale; ceiling accuracy)"), axis("test accuracy"), series);
            f.put("models", models(panel, true));
            ((Map<String, Object>) f.get("y")).put("bounds", List.of(0, 1));
            f.put("subtitle", medianPgr(styles.sorted(panel)));
            f.put("width", 560);
            f.put("height", 440);
            figures.add(f);
        });
        return figures;
    }

    /** Each strong model's runs, one per seed: the ceiling does not depend on the weak model or the loss. */
    private static Map<String, List<R>> ceilings(List<R> panel) {
        Map<String, List<R>> out = new LinkedHashMap<>();
        groupBy(panel, r -> List.of(r.strong())).forEach((strong, cell) -> out.put(strong.get(0), new ArrayList<>(
                cell.stream().collect(Collectors.toMap(R::seed, r -> r, (a, b) -> a, TreeMap::new)).values())));
        return out;
    }

    /**
     * The strong models of a panel, for the x axis: name, parameter count (null: none, as bow) and, for the
     * accuracy figure, the ceiling accuracy (mean over seeds) that its tick shows, as the openai notebook's ticks do.
     * The renderer orders them by size and places them.
     */
    private static List<Map<String, Object>> models(List<R> panel, boolean withCeiling) {
        List<Map<String, Object>> out = new ArrayList<>();
        ceilings(panel).forEach((strong, perSeed) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", strong);
            m.put("params", perSeed.get(0).strongParams());
            if (withCeiling) m.put("ceiling", finite(mean(perSeed, R::ceilingAcc, r -> null).value()));
            out.add(m);
        });
        return out;
    }

    /** "median PGR: xent 0.41 [0.2, 0.6] (n=12), logconf ..." for a panel: the summary's line per loss. */
    private static String medianPgr(List<R> panel) {
        List<String> parts = new ArrayList<>();
        groupBy(panel, r -> List.of(r.loss())).forEach((loss, rs) -> {
            Summary.Report report = Summary.summarize(rs.stream().map(R::run).toList(), false);
            if (report.lines().isEmpty()) {
                parts.add(loss.get(0) + " n/a (no pair counted)");
                return;
            }
            Summary.Line l = report.lines().get(0);
            parts.add(loss.get(0) + " " + fmt(l.median()) + " " + l.ci() + " (" + l.runs() + " runs)");
        });
        return "median PGR: " + String.join("; ", parts);
    }

    private static List<Map<String, Object>> pgrBySize(List<R> runs, Styles styles) {
        List<Map<String, Object>> figures = new ArrayList<>();
        groupBy(runs, r -> List.of(r.task(), r.variant())).forEach((key, panel) -> {
            List<Map<String, Object>> series = new ArrayList<>();
            groupBy(styles.sorted(panel), r -> List.of(r.weak(), r.loss())).forEach((s, rs) -> {
                List<Map<String, Object>> points = new ArrayList<>();
                groupBy(rs, r -> List.of(r.strong())).forEach((strong, cell) -> {
                    Summary.Report report = Summary.summarize(cell.stream().map(R::run).toList(), false);
                    if (report.lines().isEmpty()) return;
                    Summary.Line l = report.lines().get(0);
                    String tip = tip(cell.get(0), "median PGR " + fmt(l.median()) + " " + l.ci() + " over "
                            + l.runs() + " runs, " + l.seeds() + " seeds (CI over " + l.interval() + ")" + (report.leftOut()
                            .isEmpty() ? "" : "<br>left out: " + report.leftOut().entrySet().stream()
                            .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))), cell);
                    points.add(point(cell.get(0), new Estimate(l.median(), l.lo(), l.hi(), l.runs()), tip, false));
                });
                if (!points.isEmpty()) series.add(styles.series("weak " + s.get(0) + ", " + s.get(1), s.get(0), s.get(1), points));
            });
            if (series.isEmpty()) return;
            Map<String, Object> f = figure("pgr", key.get(0) + (key.get(1).isEmpty() ? "" : ", " + key.get(1)), "size",
                    axis("strong model (parameters, log scale)"), axis("median PGR"), series);
            f.put("models", models(panel, false));
            Map<String, Object> y = (Map<String, Object>) f.get("y");
            // 0 is the weak supervisor, 1 the ceiling: the axis always shows both, with a line at each.
            y.put("include", List.of(0, 1));
            y.put("lines", List.of(0, 1));
            f.put("width", 560);
            f.put("height", 440);
            figures.add(f);
        });
        return figures;
    }

    /**
     * One colour per weak model (in order of size, the same in every panel) and one line style per loss (xent
     * solid, then dashed, dotted, dash-dot), so a series reads the same in the accuracy and the PGR figures.
     */
    private record Styles(Map<String, String> colors, Map<String, Object> lines) {
        static final List<Object> LINES = List.of("solid", "dashed", "dotted", List.of(9, 3, 2, 3), List.of(2, 4));

        static Styles of(List<R> runs) {
            Map<String, String> colors = new LinkedHashMap<>();
            runs.stream().sorted(java.util.Comparator.comparing((R r) -> r.weakParams() == null ? -1 : r.weakParams())
                    .thenComparing(R::weak)).forEach(r -> colors.computeIfAbsent(r.weak(),
                    w -> PALETTE[colors.size() % PALETTE.length]));
            Map<String, Object> lines = new LinkedHashMap<>();
            runs.stream().map(R::loss).distinct().sorted(java.util.Comparator.comparing((String l) -> !l.equals("xent"))
                    .thenComparing(l -> l)).forEach(l -> lines.put(l, LINES.get(Math.min(lines.size(), LINES.size() - 1))));
            return new Styles(colors, lines);
        }

        /** The runs in legend order: by weak model (as coloured), then by loss (as styled). */
        List<R> sorted(List<R> runs) {
            List<String> weaks = new ArrayList<>(colors.keySet());
            List<String> losses = new ArrayList<>(lines.keySet());
            return runs.stream().sorted(java.util.Comparator.comparingInt((R r) -> weaks.indexOf(r.weak()))
                    .thenComparingInt(r -> losses.indexOf(r.loss()))).toList();
        }

        Map<String, Object> series(String name, String weak, String loss, List<Map<String, Object>> points) {
            Map<String, Object> s = HtmlReport.series(name, points, false, colors.get(weak));
            s.put("line", lines.get(loss));
            return s;
        }
    }

    private static List<Map<String, Object>> agreement(List<R> runs, Styles styles) {
        List<Map<String, Object>> figures = new ArrayList<>();
        List<R> pairs = runs.stream().filter(r -> !r.run().sameModel()).toList();
        groupBy(pairs, r -> List.of(r.task(), r.variant())).forEach((key, panel) -> {
            List<String> losses = styles.lines().keySet().stream()
                    .filter(l -> panel.stream().anyMatch(r -> r.loss().equals(l))).toList();
            List<Map<String, Object>> right = new ArrayList<>();
            List<Map<String, Object>> wrong = new ArrayList<>();
            groupBy(styles.sorted(panel), r -> List.of(r.loss())).forEach((loss, cell) -> {
                Estimate a = mean(cell, R::agreeRight, r -> null);
                Estimate b = mean(cell, R::agreeWrong, r -> null);
                boolean flagged = cell.stream().anyMatch(R::flagged);
                right.add(categoryPoint(loss.get(0), a, tip(cell.get(0), "agreement where the supervisor is right "
                        + estimate(a), cell), flagged));
                wrong.add(categoryPoint(loss.get(0), b, tip(cell.get(0), "agreement where the supervisor is wrong "
                        + estimate(b), cell), flagged));
            });
            Map<String, Object> f = figure("agreement", key.get(0) + (key.get(1).isEmpty() ? "" : ", " + key.get(1)),
                    "category", axis("student loss"), axis("agreement with the supervisor"),
                    List.of(series("supervisor right", right, false, "#2ca02c"),
                            series("supervisor wrong", wrong, false, "#d62728")));
            ((Map<String, Object>) f.get("x")).put("categories", losses);
            ((Map<String, Object>) f.get("y")).put("bounds", List.of(0, 1));
            f.put("width", 300 + 40 * losses.size());
            figures.add(f);
        });
        return figures;
    }

    private static List<Map<String, Object>> curves(List<R> runs) {
        List<Map<String, Object>> figures = new ArrayList<>();
        List<R> with = runs.stream().filter(r -> r.w2sCurve().isArray() && !r.w2sCurve().isEmpty()).toList();
        groupBy(with, r -> List.of(r.task(), r.weak(), r.strong(), r.loss(), r.variant())).forEach((key, panel) -> {
            List<Map<String, Object>> series = new ArrayList<>();
            int i = 0;
            for (R r : panel) {
                String color = PALETTE[i++ % PALETTE.length];
                // One legend entry per seed: its student (solid) and its ceiling (dashed) show and hide together.
                String name = "seed " + r.seed() + (r.flagged() ? " (flagged)" : "");
                series.add(curve(name, "student", r, r.w2sCurve(), false, color));
                if (r.ceilingCurve().isArray() && !r.ceilingCurve().isEmpty()) {
                    series.add(curve(name, "ceiling", r, r.ceilingCurve(), true, color));
                }
            }
            String title = key.get(0) + ": " + key.get(1) + " → " + key.get(2) + ", " + key.get(3)
                    + (key.get(4).isEmpty() ? "" : ", " + key.get(4));
            Map<String, Object> f = figure("curves", title, "value", axis("optimiser step"), axis("test accuracy"), series);
            ((Map<String, Object>) f.get("x")).put("min", 0);
            ((Map<String, Object>) f.get("y")).put("bounds", List.of(0, 1));
            f.put("width", 420);
            f.put("height", 320);
            figures.add(f);
        });
        return figures;
    }

    private static Map<String, Object> curve(String name, String model, R r, JsonNode points, boolean dashed,
                                             String color) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode p : points) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("x", p.path("step").asInt());
            m.put("y", p.path("accuracy").asDouble());
            m.put("tip", tip(r, model + ", " + name + ", step " + p.path("step").asInt() + " of " + p.path("total_steps").asInt()
                    + ": test accuracy " + fmt(p.path("accuracy").asDouble()) + (p.has("documents") ? " on "
                    + p.path("documents").asInt() + " of " + r.nTest() + " test documents" : ""), List.of(r)));
            if (r.flagged()) m.put("flagged", true);
            out.add(m);
        }
        Map<String, Object> s = series(name, out, dashed, color);
        s.put("showSymbol", out.size() <= 2);
        s.put("symbolSize", 4);
        s.put("width", dashed ? 1.2 : 1.8);
        return s;
    }

    private static List<Map<String, Object>> reliability(List<R> runs) {
        List<Map<String, Object>> figures = new ArrayList<>();
        groupBy(runs.stream().filter(r -> r.reliability().isObject()).toList(), r -> List.of(r.task(), r.variant()))
                .forEach((key, panel) -> {
                    // series → bin → [count, confidence·count, accuracy·count, runs]
                    Map<String, TreeMap<Integer, double[]>> pooled = new LinkedHashMap<>();
                    for (R r : panel) {
                        pool(pooled, "weak supervisors", r.reliability().path("weak"));
                        pool(pooled, "ceilings", r.reliability().path("ceiling"));
                    }
                    for (R r : panel) pool(pooled, "students, " + r.loss(), r.reliability().path("w2s"));
                    List<Map<String, Object>> series = new ArrayList<>();
                    Map<String, Object> diagonal = series("perfect calibration", List.of(Map.of("x", 0.5, "y", 0.5),
                            Map.of("x", 1.0, "y", 1.0)), true, "#999");
                    diagonal.put("showSymbol", false);
                    series.add(diagonal);
                    pooled.forEach((name, bins) -> {
                        List<Map<String, Object>> points = new ArrayList<>();
                        bins.forEach((bin, v) -> {
                            double acc = v[2] / v[0];
                            double half = 1.96 * Math.sqrt(acc * (1 - acc) / v[0]);
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("x", v[1] / v[0]);
                            m.put("y", acc);
                            m.put("lo", Math.max(0, acc - half));
                            m.put("hi", Math.min(1, acc + half));
                            m.put("n", (int) v[3]);
                            m.put("tip", esc(key.get(0)) + "<br>" + esc(name) + "<br>confidence " + fmt(v[1] / v[0])
                                    + ", accuracy " + fmt(acc) + "<br>" + (long) v[0] + " test points from "
                                    + (int) v[3] + " runs");
                            points.add(m);
                        });
                        Map<String, Object> s = series(name, points, name.equals("ceilings"), null);
                        series.add(s);
                    });
                    Map<String, Object> f = figure("calibration", key.get(0) + (key.get(1).isEmpty() ? "" : ", "
                            + key.get(1)), "value", axis("confidence of the predicted class"), axis("accuracy"), series);
                    Map<String, Object> x = (Map<String, Object>) f.get("x");
                    x.put("min", 0.5);
                    x.put("max", 1.0);
                    x.put("interval", 0.1);
                    x.put("decimals", 1);
                    ((Map<String, Object>) f.get("y")).put("bounds", List.of(0, 1));
                    f.put("width", 560);
                    figures.add(f);
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

    // ---- points and their uncertainty ----

    /** A mean (or median) with its 95% interval (NaN: none) over n runs or seeds, and how it was computed. */
    private record Estimate(double value, double lo, double hi, int n, String how) {
        Estimate(double value, double lo, double hi, int n) {
            this(value, lo, hi, n, "");
        }
    }

    /**
     * The mean over runs with a 95% t-interval (n ≥ 2), or the single run's own interval (its bootstrap over test
     * documents) when there is one run.
     */
    private static Estimate mean(List<R> runs, java.util.function.ToDoubleFunction<R> value, Function<R, List<Object>> ci) {
        double[] v = runs.stream().mapToDouble(value).filter(d -> !Double.isNaN(d)).toArray();
        int n = v.length;
        if (n == 0) return new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, "");
        double m = java.util.Arrays.stream(v).average().orElseThrow();
        if (n == 1) {
            List<Object> own = ci.apply(runs.get(0));
            if (own != null && own.size() == 2 && own.get(0) != null && own.get(1) != null) {
                return new Estimate(m, num(own.get(0)).doubleValue(), num(own.get(1)).doubleValue(), 1,
                        "bootstrap over test documents");
            }
            return new Estimate(m, Double.NaN, Double.NaN, 1, "");
        }
        double ss = 0;
        for (double d : v) ss += (d - m) * (d - m);
        double se = Math.sqrt(ss / (n - 1) / n);
        double half = T975[Math.min(n - 1, T975.length - 1)] * se;
        return new Estimate(m, m - half, m + half, n, "t-interval over " + n);
    }

    /** Student t quantiles at 0.975 for 0..30 degrees of freedom (index = df; the last stands for more). */
    private static final double[] T975 = {Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
            2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
            2.060, 2.056, 2.052, 2.048, 2.045, 2.042, 1.96};

    private static String estimate(Estimate e) {
        return fmt(e.value()) + (Double.isNaN(e.lo()) ? "" : " [" + fmt(e.lo()) + ", " + fmt(e.hi()) + "]")
                + " (n=" + e.n() + (e.how().isEmpty() ? "" : "; " + e.how()) + ")";
    }

    private static Map<String, Object> point(R first, Estimate e, List<R> runs, String what) {
        return point(first, e, tip(first, what + " " + estimate(e), runs), runs.stream().anyMatch(R::flagged));
    }

    /** A point at the strong model of its runs; the renderer places the model on the x axis. */
    private static Map<String, Object> point(R first, Estimate e, String tip, boolean flagged) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", first.strong());
        m.put("y", finite(e.value()));
        m.put("lo", finite(e.lo()));
        m.put("hi", finite(e.hi()));
        m.put("n", e.n());
        m.put("tip", tip);
        if (flagged) m.put("flagged", true);
        return m;
    }

    private static Map<String, Object> categoryPoint(String category, Estimate e, String tip, boolean flagged) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("x", category);
        m.put("y", finite(e.value()));
        m.put("lo", finite(e.lo()));
        m.put("hi", finite(e.hi()));
        m.put("n", e.n());
        m.put("tip", tip);
        if (flagged) m.put("flagged", true);
        return m;
    }

    /** A tooltip: what the point is, then the settings of the runs behind it. */
    private static String tip(R r, String what, List<R> runs) {
        return tip(r, what, runs, f -> true);
    }

    /** A tooltip naming, of the runs' flags, those that concern what the point shows. */
    private static String tip(R r, String what, List<R> runs, java.util.function.Predicate<String> concerns) {
        StringBuilder s = new StringBuilder("<b>").append(esc(r.task())).append("</b>: ").append(esc(r.weak()))
                .append(" → ").append(esc(r.strong())).append(" (").append(esc(r.mode())).append("), loss ")
                .append(esc(r.loss()));
        if (r.strongParams() != null) s.append(", ").append(String.format(Locale.ROOT, "%,d", r.strongParams())).append(" parameters");
        s.append("<br>").append(esc(what));
        if (!r.variant().isEmpty()) s.append("<br>").append(esc(r.variant()));
        s.append("<br>seeds ").append(runs.stream().map(x -> Long.toString(x.seed())).distinct()
                .collect(Collectors.joining(", "))).append("; test documents ").append(r.nTest());
        if (runs.size() == 1) {
            s.append("<br>weak ").append(fmt(r.weakAcc())).append(", student ").append(fmt(r.w2sAcc()))
                    .append(", ceiling ").append(fmt(r.ceilingAcc())).append(", PGR ").append(fmt(r.pgr()));
            if (r.pgrCi() != null) s.append(" ").append(esc(RunTables.interval(interval(r.pgrCi()))));
        }
        List<String> flags = runs.stream().filter(x -> x.flagged() && x.flags().stream().anyMatch(concerns))
                .map(x -> "seed " + x.seed() + ": " + String.join(", ", x.flags().stream().filter(concerns).toList()))
                .toList();
        if (!flags.isEmpty()) s.append("<br><span style=\"color:#d62728\">flagged: ").append(esc(String.join("; ", flags)))
                .append("</span>");
        return s.toString();
    }

    private static Bootstrap.Interval interval(List<Object> ci) {
        return new Bootstrap.Interval(ci.get(0) == null ? Double.NEGATIVE_INFINITY : num(ci.get(0)).doubleValue(),
                ci.get(1) == null ? Double.POSITIVE_INFINITY : num(ci.get(1)).doubleValue());
    }

    // ---- tables ----

    private static String summaryTable(Summary.Report report) {
        StringBuilder t = new StringBuilder("<h3>Median PGR (the summary of <code>w2s results</code>)</h3><table><tr>");
        List<String> headers = new ArrayList<>(report.groupedBy());
        headers.addAll(List.of("pairs", "seeds", "runs", "median PGR", "95% CI", "PGR (AUROC)", "95% CI", "notes"));
        for (String h : headers) t.append("<th>").append(esc(h)).append("</th>");
        t.append("</tr>");
        for (Summary.Line l : report.lines()) {
            List<Object> row = new ArrayList<>(List.of(l.task(), l.loss()));
            row.addAll(l.settings().values());
            row.addAll(List.of(l.pairs(), l.seeds(), l.runs(), fmt(l.median()), l.ci(), fmt(l.aurocMedian()),
                    l.aurocCi(), Summary.notes(l)));
            t.append("<tr>");
            for (Object o : row) t.append("<td>").append(esc(String.valueOf(o))).append("</td>");
            t.append("</tr>");
        }
        t.append("</table>");
        if (!report.lines().isEmpty()) t.append("<p class=\"caption\">").append(esc(Summary.INTERVALS)).append(".</p>");
        if (!report.leftOut().isEmpty()) {
            t.append("<p class=\"caption\">Left out: ").append(esc(report.leftOut().entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")))).append(".</p>");
        }
        return t.toString();
    }

    private static String flaggedTable(List<R> runs) {
        List<R> flagged = runs.stream().filter(R::flagged).toList();
        StringBuilder t = new StringBuilder("<h2>Flagged runs</h2>");
        if (flagged.isEmpty()) return t.append("<p class=\"caption\">None.</p>").toString();
        t.append("<table><tr><th>task</th><th>weak</th><th>strong</th><th>loss</th><th>seed</th><th>flags</th></tr>");
        for (R r : flagged) {
            t.append("<tr><td>").append(esc(r.task())).append("</td><td>").append(esc(r.weak())).append("</td><td>")
                    .append(esc(r.strong())).append("</td><td>").append(esc(r.loss())).append("</td><td>")
                    .append(r.seed()).append("</td><td>").append(esc(r.flags().stream()
                            .map(f -> f + " (" + Flags.MEANING.getOrDefault(f, f) + ")").collect(Collectors.joining("; "))))
                    .append("</td></tr>");
        }
        return t.append("</table>").toString();
    }

    // ---- helpers ----

    private static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31"};

    private static Map<String, Object> figure(String section, String title, String kind, Map<String, Object> x,
                                              Map<String, Object> y, List<Map<String, Object>> series) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("section", section);
        f.put("title", title);
        f.put("kind", kind);
        f.put("x", x);
        f.put("y", y);
        f.put("series", series);
        return f;
    }

    private static Map<String, Object> axis(String name) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", name);
        return a;
    }

    private static Map<String, Object> series(String name, List<Map<String, Object>> points, boolean dashed, String color) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", name);
        s.put("dashed", dashed);
        if (color != null) s.put("color", color);
        s.put("points", points);
        return s;
    }

    private static String title(List<String> key) {
        return key.get(0) + ", loss " + key.get(1) + (key.get(2).isEmpty() ? "" : ", " + key.get(2));
    }

    private static <K> Map<List<String>, List<R>> groupBy(List<R> runs, Function<R, List<String>> key) {
        Map<List<String>, List<R>> out = new LinkedHashMap<>();
        for (R r : runs) out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        return out;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static JsonNode tree(Object json) {
        if (json == null) return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        try {
            return Json.MAPPER.readTree((String) json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o == null ? null : (List<Object>) o;
    }

    private static Number num(Object o) {
        return (Number) o;
    }

    private static double dbl(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }
}
