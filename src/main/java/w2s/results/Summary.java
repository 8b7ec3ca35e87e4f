package w2s.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;
import w2s.metrics.Bootstrap;

/**
 * The summary of a results store, aggregated as the paper's notebook (openai's {@code notebooks/Plotting.ipynb}) does
 * it: within a group of runs, each weak–strong pair's weak and ceiling accuracies are averaged over seeds first; each
 * student run's PGR is taken against those averages; the line reports the median over the runs. Pairs with weak =
 * strong, or whose averaged ceiling is not above the averaged weak model, are left out. PGR on AUROC (as EleutherAI
 * reports it) is aggregated the same way beside it, with its own exclusion rule on the AUROC averages.
 *
 * <p>A group is every run with the same task, loss and value of every other setting that differs between the runs in
 * the store, so two different experiments are never merged; what a line spans is only the weak–strong pairs and the
 * seeds. A setting of the weak or strong model that differs only from one model to another (each model's default
 * learning rate, its mode) belongs to the model and does not split the group. Flagged runs (see
 * {@link w2s.metrics.Flags}) are left out unless asked for.
 *
 * <p>The interval is a hierarchical bootstrap: each resample draws the seeds with replacement and, for every test set
 * the group's runs are scored on, one draw of its test documents with replacement, applied to every run scored on
 * that set (paired: weak model, student and ceiling of every run see the same documents), then redoes the whole
 * aggregation, averages included. Seeds alone would ignore that every run of a task is scored on the same documents,
 * whose noise moves every run the same way; test documents alone would ignore training noise. Runs stored without
 * per-example predictions have only their seeds resampled, and the line says so ({@link Line#interval()}).
 */
public final class Summary {
    static final int RESAMPLES = 1000;
    /** Shown for a setting a run does not have (no chain, no early stopping). */
    static final String ABSENT = "-";

    private Summary() {}

    /**
     * One line of the summary; lo and hi bound the 95% bootstrap interval of the median (an unbounded side infinite).
     *
     * @param settings the group's value of each grouped setting besides task and loss
     * @param pairs    weak–strong pairs counted, on accuracy
     * @param runs     student runs counted, on accuracy
     */
    public record Line(String task, String loss, Map<String, String> settings, int pairs, int seeds, int runs,
                       double median, double lo, double hi, double aurocMedian, double aurocLo, double aurocHi,
                       String interval, List<String> marks) {
        /** The grouped settings in one string, "" when the store has no setting to group by besides task and loss. */
        public String variant() {
            return settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
        }

        /** The accuracy PGR's interval as printed: [lo, hi], "unbounded", or "none" (see {@link #interval()}). */
        public String ci() {
            return format(lo, hi);
        }

        public String aurocCi() {
            return format(aurocLo, aurocHi);
        }
    }

    /** What a line's interval resamples, or why it has none. */
    public static final String SEEDS_AND_DOCS = "seeds x test docs";
    public static final String DOCS_ONLY = "test docs only (1 seed: per-run noise, not seed-to-seed)";
    public static final String SEEDS_ONLY = "seeds only (no per-example predictions stored)";
    public static final String UNSHARED = "no two runs share a test set: each run's documents resampled on their own";
    public static final String NO_INTERVAL = "none (1 seed and no per-example predictions: see each run's pgr_ci)";

    /**
     * An interval as the summary prints it: [lo, hi]; "unbounded" when a bound is infinite (more than 2.5% of the
     * resamples left no gap to recover, so the median PGR could be any number); "none" when there is no interval.
     */
    public static String format(double lo, double hi) {
        if (Double.isNaN(lo) && Double.isNaN(hi)) return "none";
        if (Double.isInfinite(lo) || Double.isInfinite(hi)) return "unbounded";
        return "[" + w2s.base.Table.format(lo) + ", " + w2s.base.Table.format(hi) + "]";
    }

    /**
     * The whole summary.
     *
     * @param groupedBy      settings that split the runs into lines: task, loss and every other one that differs
     * @param modelSettings  settings that differ only with the weak or strong model, so belong to it
     * @param total          runs in the store
     * @param leftOut        runs not counted, by reason, in the order the rules apply
     * @param flagCounts     left-out runs per flag (a run may carry several)
     * @param unchecked      counted runs stored before flags existed, so never checked
     */
    public record Report(List<String> groupedBy, List<String> modelSettings, List<Line> lines, int total,
                         Map<String, Integer> leftOut, Map<String, Integer> flagCounts, int unchecked) {
        public int counted() {
            return lines.stream().mapToInt(Line::runs).sum();
        }
    }

    public static final String FLAGGED = "flagged";
    public static final String SAME_MODEL = "same weak and strong model";
    public static final String CEILING_NOT_ABOVE_WEAK = "ceiling not above weak (averaged over seeds)";

    /** The summary with flagged runs left out, as `w2s results` and the HTML report show it by default. */
    public static List<Line> medianPgr(Results store) {
        return summarize(store, false).lines();
    }

    public static Report summarize(Results store, boolean includeFlagged) {
        return summarize(read(store), includeFlagged);
    }

    /** One stored run: what the aggregation reads, and its configuration flattened to setting → value. */
    record Run(String task, String loss, String weak, String strong, long seed, double weakAcc, double w2sAcc,
               double ceilingAcc, double weakAuroc, double w2sAuroc, double ceilingAuroc, List<String> flags,
               Map<String, String> settings, TestDocs.Scored test) {
        /** A run without per-example test predictions: only its seed can be resampled. */
        Run(String task, String loss, String weak, String strong, long seed, double weakAcc, double w2sAcc,
            double ceilingAcc, double weakAuroc, double w2sAuroc, double ceilingAuroc, List<String> flags,
            Map<String, String> settings) {
            this(task, loss, weak, strong, seed, weakAcc, w2sAcc, ceilingAcc, weakAuroc, w2sAuroc, ceilingAuroc, flags,
                    settings, null);
        }

        /**
         * Whether weak and strong are one model, which the reference's aggregation leaves out: the same name trained the
         * same way. A probe of a model supervising that model fine-tuned is a pair (a linear head on frozen features
         * against every weight trained), and counts.
         */
        boolean sameModel() {
            return weak.equals(strong)
                    && java.util.Objects.equals(settings.get("weak.mode"), settings.get("strong.mode"));
        }

        Run withTest(TestDocs.Scored scored) {
            return new Run(task, loss, weak, strong, seed, weakAcc, w2sAcc, ceilingAcc, weakAuroc, w2sAuroc,
                    ceilingAuroc, flags, settings, scored);
        }

        /** This run scored on a resample of its test documents (counts per document), or itself without predictions. */
        Run onDocs(Map<TestDocs.TestSet, int[]> draws) {
            if (test == null) return this;
            int[] counts = draws.get(test.set());
            int n = test.set().size();
            return new Run(task, loss, weak, strong, seed, test.weak().accuracy(counts, n),
                    test.student().accuracy(counts, n), test.ceiling().accuracy(counts, n), test.weak().auroc(counts),
                    test.student().auroc(counts), test.ceiling().auroc(counts), flags, settings, test);
        }
    }

    /** A metric the aggregation runs on: the weak model's, the student's and the ceiling's values of a run. */
    private record Metric(ToDoubleFunction<Run> weak, ToDoubleFunction<Run> student, ToDoubleFunction<Run> ceiling) {}

    private static final Metric ACCURACY = new Metric(Run::weakAcc, Run::w2sAcc, Run::ceilingAcc);
    private static final Metric AUROC = new Metric(Run::weakAuroc, Run::w2sAuroc, Run::ceilingAuroc);

    static Report summarize(List<Run> runs, boolean includeFlagged) {
        Map<String, Set<String>> values = new TreeMap<>();
        for (Run r : runs) r.settings().forEach((k, v) -> values.computeIfAbsent(k, x -> new HashSet<>()).add(v));
        // A run lacking a setting others have differs from them in it.
        for (Run r : runs) values.forEach((k, vs) -> {
            if (!r.settings().containsKey(k)) vs.add(ABSENT);
        });
        List<String> grouped = new ArrayList<>();
        List<String> modelSettings = new ArrayList<>();
        values.forEach((setting, vs) -> {
            // The pair is what a line spans, and task and loss always split lines.
            if (vs.size() < 2 || List.of("weak.name", "strong.name", "loss").contains(setting)) return;
            String model = setting.startsWith("weak.") ? "weak.name" : setting.startsWith("strong.") ? "strong.name" : null;
            if (model != null && determinedBy(runs, model, setting)) modelSettings.add(setting);
            else grouped.add(setting);
        });

        Map<String, Integer> leftOut = new LinkedHashMap<>();
        Map<String, Integer> flagCounts = new TreeMap<>();
        Map<List<String>, List<Run>> groups = new TreeMap<>(Summary::compareLists);
        int unchecked = 0;
        // The reference's rule first, so the flag counts are of runs that would otherwise count.
        for (Run r : runs) {
            if (r.sameModel()) {
                leftOut.merge(SAME_MODEL, 1, Integer::sum);
                continue;
            }
            if (!includeFlagged && r.flags() != null && !r.flags().isEmpty()) {
                leftOut.merge(FLAGGED, 1, Integer::sum);
                r.flags().forEach(f -> flagCounts.merge(f, 1, Integer::sum));
                continue;
            }
            if (r.flags() == null) unchecked++;
            List<String> key = new ArrayList<>(List.of(r.task(), r.loss()));
            for (String s : grouped) key.add(r.settings().getOrDefault(s, ABSENT));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }

        List<Line> lines = new ArrayList<>();
        List<List<Integer>> pairSeeds = new ArrayList<>();
        for (var g : groups.entrySet()) {
            List<Run> group = g.getValue();
            List<Long> seeds = group.stream().map(Run::seed).distinct().sorted().toList();
            Aggregate acc = aggregate(group, seeds, ACCURACY);
            Aggregate auroc = aggregate(group, seeds, AUROC);
            int dropped = group.size() - acc.rows();
            if (dropped > 0) leftOut.merge(CEILING_NOT_ABOVE_WEAK, dropped, Integer::sum);
            if (acc.rows() == 0) continue;
            Joint ci = bootstrap(group, seeds);
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 0; i < grouped.size(); i++) settings.put(grouped.get(i), g.getKey().get(i + 2));
            lines.add(new Line(g.getKey().get(0), g.getKey().get(1), settings, acc.pairs(), seeds.size(), acc.rows(),
                    acc.median(), ci.accuracy().lo(), ci.accuracy().hi(), auroc.median(), ci.auroc().lo(),
                    ci.auroc().hi(), ci.resampled(), List.of()));
            pairSeeds.add(seedCounts(group));
        }
        lines = marked(lines, pairSeeds);
        List<String> groupedBy = new ArrayList<>(List.of("task", "loss"));
        groupedBy.addAll(grouped);
        return new Report(groupedBy, modelSettings, lines, runs.size(), leftOut, flagCounts, unchecked);
    }

    /** Whether each model (by name) has one value of the setting over all runs, absent counting as a value. */
    private static boolean determinedBy(List<Run> runs, String nameSetting, String setting) {
        Map<String, String> seen = new HashMap<>();
        for (Run r : runs) {
            String name = r.settings().getOrDefault(nameSetting, ABSENT);
            String v = r.settings().getOrDefault(setting, ABSENT);
            if (!seen.computeIfAbsent(name, n -> v).equals(v)) return false;
        }
        return true;
    }

    /** The median PGR of a group, the rows it counts and the pairs they come from; NaN if none remains. */
    record Aggregate(double median, int rows, int pairs) {}

    /**
     * The paper's aggregation over the runs of the given seeds, each counted as often as its seed occurs: per pair,
     * weak and ceiling values averaged over those runs; each run's PGR against them; the median over all rows of the
     * pairs whose averaged ceiling is above the averaged weak model. Runs without the metric (NaN) are skipped.
     */
    static Aggregate aggregate(List<Run> group, List<Long> seeds, Metric metric) {
        Map<Long, Integer> times = new HashMap<>();
        for (Long s : seeds) times.merge(s, 1, Integer::sum);
        Map<List<String>, List<Run>> pairs = new LinkedHashMap<>();
        for (Run r : group) {
            boolean defined = !Double.isNaN(metric.weak().applyAsDouble(r))
                    && !Double.isNaN(metric.student().applyAsDouble(r))
                    && !Double.isNaN(metric.ceiling().applyAsDouble(r));
            for (int i = times.getOrDefault(r.seed(), 0); defined && i > 0; i--) {
                pairs.computeIfAbsent(List.of(r.weak(), r.strong()), p -> new ArrayList<>()).add(r);
            }
        }
        List<Double> pgrs = new ArrayList<>();
        int counted = 0;
        for (List<Run> rows : pairs.values()) {
            double weak = rows.stream().mapToDouble(metric.weak()).average().orElseThrow();
            double ceiling = rows.stream().mapToDouble(metric.ceiling()).average().orElseThrow();
            if (!(ceiling > weak)) continue;
            counted++;
            for (Run r : rows) pgrs.add((metric.student().applyAsDouble(r) - weak) / (ceiling - weak));
        }
        double[] sorted = pgrs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Aggregate(median(sorted), sorted.length, counted);
    }

    /** The intervals of a group's median PGR on accuracy and AUROC, and what they resample (a Line's interval). */
    record Joint(Bootstrap.Interval accuracy, Bootstrap.Interval auroc, String resampled) {}

    /**
     * The 95% intervals of the group's median PGR (seeded, so reruns agree): each resample draws the seeds with
     * replacement and one resample of each test set's documents, shared by every run scored on that set, and redoes
     * the aggregation. With one seed only the documents are resampled (and the line says so); with one seed and no
     * predictions there is no interval (NaN), since resampling one seed would repeat the estimate and look certain.
     */
    static Joint bootstrap(List<Run> group, List<Long> seeds) {
        List<TestDocs.TestSet> sets = group.stream().filter(r -> r.test() != null).map(r -> r.test().set())
                .distinct().toList();
        boolean withDocs = !sets.isEmpty();
        boolean allDocs = group.stream().allMatch(r -> r.test() != null);
        String resampled;
        if (seeds.size() < 2 && !withDocs) {
            Bootstrap.Interval none = new Bootstrap.Interval(Double.NaN, Double.NaN);
            return new Joint(none, none, NO_INTERVAL);
        } else if (seeds.size() < 2) {
            resampled = allDocs ? DOCS_ONLY : DOCS_ONLY + "; " + without(group) + " no predictions, not resampled";
        } else if (!withDocs) {
            resampled = SEEDS_ONLY;
        } else {
            resampled = allDocs ? SEEDS_AND_DOCS : SEEDS_AND_DOCS + "; " + without(group) + " no predictions: seeds only";
        }
        long scored = group.stream().filter(r -> r.test() != null).count();
        if (scored > 1 && sets.size() == scored) {
            // --vary-test: still a valid nested bootstrap, but nothing is paired across runs, which a reader should know.
            resampled += "; " + UNSHARED;
        }
        // Seeds are drawn from the same generator as before test documents were resampled, so a store without
        // predictions keeps its intervals.
        Random random = new Random(0);
        java.util.SplittableRandom docs = new java.util.SplittableRandom(1);
        double[] accuracy = new double[RESAMPLES];
        double[] auroc = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            List<Long> sample = new ArrayList<>();
            if (seeds.size() < 2) sample.addAll(seeds);
            else for (int i = 0; i < seeds.size(); i++) sample.add(seeds.get(random.nextInt(seeds.size())));
            List<Run> runs = group;
            if (withDocs) {
                Map<TestDocs.TestSet, int[]> draws = new java.util.IdentityHashMap<>();
                for (TestDocs.TestSet set : sets) {
                    int n = set.size();
                    int[] counts = new int[n];
                    for (int i = 0; i < n; i++) counts[docs.nextInt(n)]++;
                    draws.put(set, counts);
                }
                Set<Long> drawn = new HashSet<>(sample);
                // Runs of seeds not drawn do not count in this resample: no need to score them.
                runs = group.stream().filter(r -> drawn.contains(r.seed())).map(r -> r.onDocs(draws)).toList();
            }
            accuracy[b] = aggregate(runs, sample, ACCURACY).median();
            auroc[b] = aggregate(runs, sample, AUROC).median();
        }
        return new Joint(Bootstrap.percentile(accuracy), Bootstrap.percentile(auroc), resampled);
    }

    private static String without(List<Run> group) {
        long n = group.stream().filter(r -> r.test() == null).count();
        return n + (n == 1 ? " run has" : " runs have");
    }

    /** The distinct seed counts of the group's weak–strong pairs, sorted (one value when every pair has as many). */
    private static List<Integer> seedCounts(List<Run> group) {
        Map<List<String>, Set<Long>> seeds = new HashMap<>();
        for (Run r : group) seeds.computeIfAbsent(List.of(r.weak(), r.strong()), p -> new HashSet<>()).add(r.seed());
        return seeds.values().stream().map(Set::size).distinct().sorted().toList();
    }

    /**
     * The lines with the marks a reader needs: a line built from fewer seeds than the most any line has, and a line
     * mixing pairs with different seed counts (its median weighs the pairs with more seeds more).
     *
     * @param pairSeeds each line's {@link #seedCounts}
     */
    private static List<Line> marked(List<Line> lines, List<List<Integer>> pairSeeds) {
        int most = lines.stream().mapToInt(Line::seeds).max().orElse(0);
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            List<Integer> counts = pairSeeds.get(i);
            List<String> marks = new ArrayList<>();
            if (l.seeds() < most) marks.add(FEWER_SEEDS + " (" + l.seeds() + " of " + most + ")");
            if (counts.size() > 1) {
                marks.add(MIXED_SEEDS + " (" + counts.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + ")");
            }
            out.add(new Line(l.task(), l.loss(), l.settings(), l.pairs(), l.seeds(), l.runs(), l.median(), l.lo(),
                    l.hi(), l.aurocMedian(), l.aurocLo(), l.aurocHi(), l.interval(), List.copyOf(marks)));
        }
        return out;
    }

    public static final String FEWER_SEEDS = "fewer seeds";

    /** The sentence under a printed summary that says what its intervals are. */
    public static final String INTERVALS = "95% CI: hierarchical bootstrap, " + RESAMPLES + " resamples, each drawing "
            + "the seeds and the test documents with replacement (one draw of a test set's documents for every run "
            + "scored on it); \"unbounded\": over 2.5% of resamples left no gap to recover; notes say when an "
            + "interval resamples less";

    /** A line's marks and, when its interval resamples less than seeds and test documents, what it resamples. */
    public static String notes(Line l) {
        List<String> notes = new ArrayList<>(l.marks());
        if (!l.interval().equals(SEEDS_AND_DOCS)) notes.add("CI over " + l.interval());
        return String.join("; ", notes);
    }
    public static final String MIXED_SEEDS = "pairs with different seed counts";

    static double median(double[] sorted) {
        if (sorted.length == 0) return Double.NaN;
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    static List<Run> read(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, loss, weak, strong, seed, weak_accuracy, w2s_accuracy, "
                + "ceiling_accuracy, weak_auroc, w2s_auroc, ceiling_auroc, flags, config, cell_key FROM runs "
                + "ORDER BY cell_key");
        Map<String, TestDocs.Scored> tests = TestDocs.read(store);
        List<Run> runs = new ArrayList<>();
        for (List<Object> r : rows.rows()) {
            List<String> flags = r.get(11) == null ? null
                    : ((List<?>) r.get(11)).stream().map(String::valueOf).toList();
            runs.add(new Run((String) r.get(0), (String) r.get(1), (String) r.get(2), (String) r.get(3),
                    ((Number) r.get(4)).longValue(), num(r.get(5)), num(r.get(6)), num(r.get(7)), num(r.get(8)),
                    num(r.get(9)), num(r.get(10)), flags, settings((String) r.get(12)), tests.get((String) r.get(13))));
        }
        return runs;
    }

    private static double num(Object v) {
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    /**
     * A configuration as setting → value, nested keys joined by dots and list items indexed (via[0].name). Seeds are
     * left out (they are what a line aggregates over), and so are the task (the task column names it), null values
     * (a run without early stopping simply lacks early_stop.*) and how often training was watched ({@code eval_every}:
     * test accuracy recorded for the curves, which changes no model), so runs that differ only in it are one line.
     */
    public static Map<String, String> settings(String configJson) {
        Map<String, String> out = new TreeMap<>();
        if (configJson == null) return out;
        try {
            flatten("", Json.MAPPER.readTree(configJson), out);
        } catch (IOException e) {
            throw new UncheckedIOException("a stored configuration is not JSON: " + e.getMessage(), e);
        }
        out.remove("task");
        out.keySet().removeIf(k -> k.equals("seed") || k.endsWith(".seed") || k.endsWith("eval_every"));
        return out;
    }

    private static void flatten(String path, JsonNode node, Map<String, String> out) {
        if (node.isNull()) return;
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                flatten(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) flatten(path + "[" + i + "]", node.get(i), out);
        } else {
            out.put(path, node.asText());
        }
    }

    /** Group keys in order, a setting's numbers by value (epochs 1, 2, 5, 10, 30), other values as text. */
    private static int compareLists(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = compareValues(a.get(i), b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }

    private static int compareValues(String a, String b) {
        try {
            int c = Double.compare(Double.parseDouble(a), Double.parseDouble(b));
            if (c != 0) return c;
        } catch (NumberFormatException | NullPointerException notBothNumbers) {
            // compared as text
        }
        return a == null || b == null ? java.util.Objects.compare(a, b, java.util.Comparator.nullsFirst(
                java.util.Comparator.naturalOrder())) : a.compareTo(b);
    }
}
