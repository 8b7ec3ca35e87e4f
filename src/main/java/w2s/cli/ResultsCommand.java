package w2s.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import w2s.base.Table;
import w2s.metrics.Flags;
import w2s.results.ResultStore;
import w2s.results.Results;
import w2s.results.Summary;

/** {@code w2s results}: the standard summary of a results store, or any SQL query on it. */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Median PGR as the paper aggregates it (weak and ceiling accuracies averaged over seeds per "
                + "weak-strong pair, each run's PGR against them, the median over runs; same-model pairs and pairs "
                + "whose ceiling is not above the weak model left out), on accuracy and on AUROC, with a 95%% "
                + "bootstrap interval over seeds and test documents together, per task, loss and every other setting that differs between runs. "
                + "Flagged runs are left out unless --include-flagged. Or run --sql on table 'runs' (one row per run, "
                + "columns named as in metrics.json), or export the runs with --format and --out.")
final class ResultsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DIR", description = "a folder of runs: a sweep's --out, or any folder "
            + "holding run folders (default: runs/sweep); read while sweeps are still writing into it")
    Path dir;
    @Option(names = "--store", description = "a DuckDB store written by an earlier version, read instead of DIR "
            + "(convert it once with --format parquet --out FILE)")
    Path store;
    @Option(names = "--sql", description = "any statement on table runs, e.g. \"SELECT loss, avg(w2s_accuracy) FROM "
            + "runs GROUP BY loss\" or \"COPY (SELECT * FROM runs) TO 'runs.csv'\"")
    String sql;
    @Option(names = "--format", description = "export the runs (or the --sql query's rows) as csv, parquet or json "
            + "(one object per line) to --out")
    String format;
    @Option(names = "--out", description = "the file --format writes")
    Path out;
    @Option(names = "--include-flagged", description = "count runs flagged as degenerate (constant weak labels, a "
            + "weak model at chance, a one-class model, a gap within noise, an unstable PGR) in the summary")
    boolean includeFlagged;

    @Override
    public Integer call() {
        if ((format == null) != (out == null)) throw new IllegalArgumentException("--format and --out go together");
        Path source = source(dir, store);
        try (Results results = Results.open(source)) {
            results.notes().forEach(n -> System.err.println("w2s: " + n));
            if (format != null) {
                results.export(format, out, sql);
                long n = sql != null ? -1 : results.count();
                System.out.println("wrote " + (n >= 0 ? n + " runs" : "the query's rows") + " to " + out);
                return 0;
            }
            if (sql != null) {
                Results.Executed done = results.execute(sql);
                ResultStore.Rows rows = done.rows();
                if (rows.columns().isEmpty()) {
                    System.out.println("ok" + (done.changed() != null ? " (" + done.changed() + " rows changed)" : ""));
                    return 0;
                }
                Table t = new Table(rows.columns().toArray(String[]::new));
                for (List<Object> r : rows.rows()) t.row(r.stream().map(ResultsCommand::cell).toArray());
                System.out.print(t);
                System.out.println(rows.rows().size() + " rows");
                return 0;
            }
            print(Summary.summarize(results, includeFlagged), results.source());
        }
        return 0;
    }

    /** DIR, else --store, else runs/sweep; an error naming what is missing. */
    static Path source(Path dir, Path store) {
        if (dir != null && store != null) throw new IllegalArgumentException("give DIR or --store, not both");
        Path p = dir != null ? dir : store != null ? store : Path.of("runs/sweep");
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("no results at " + p + ": give a folder of run folders, e.g. a sweep's "
                    + "--out, or runs/ where `w2s run` and `w2s demo` write theirs"
                    + (dir == null && store == null ? " (w2s results DIR)" : ""));
        }
        return p;
    }

    /** A list value (an interval, flags) as [a, b]; numbers as Table formats them. */
    private static Object cell(Object v) {
        if (v instanceof List<?> l) {
            return l.stream().map(x -> x instanceof Double d ? Table.format(d) : String.valueOf(x))
                    .collect(Collectors.joining(", ", "[", "]"));
        }
        return v;
    }

    /** The summary as `w2s results` prints it; the demo prints its runs' summary with this too. */
    static void print(Summary.Report report, String store) {
        System.out.println("grouped by: " + String.join(", ", report.groupedBy())
                + " (each line spans weak-strong pairs and seeds)");
        if (!report.modelSettings().isEmpty()) {
            System.out.println("not grouped, as they differ only from one model to another: " + String.join(", ", report.modelSettings()));
        }
        List<String> headers = new ArrayList<>(report.groupedBy());
        headers.addAll(List.of("pairs", "seeds", "runs", "median PGR", "95% CI", "PGR (AUROC)", "95% CI", "notes"));
        Table t = new Table(headers.toArray(String[]::new));
        for (Summary.Line l : report.lines()) {
            List<Object> row = new ArrayList<>(List.of(l.task(), l.loss()));
            row.addAll(l.settings().values());
            row.addAll(List.of(l.pairs(), l.seeds(), l.runs(), l.median(), l.ci(), l.aurocMedian(), l.aurocCi(),
                    Summary.notes(l)));
            t.row(row.toArray());
        }
        System.out.print(report.lines().isEmpty() ? "no run is counted\n" : t.toString());
        if (!report.lines().isEmpty()) System.out.println(Summary.INTERVALS);
        System.out.printf("%d runs in %s; %d counted%s%n", report.total(), store, report.counted(),
                report.leftOut().isEmpty() ? "" : "; left out: " + report.leftOut().entrySet().stream()
                        .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
        if (!report.flagCounts().isEmpty()) {
            System.out.println("flagged runs are left out (--include-flagged counts them); runs per flag:");
            report.flagCounts().forEach((flag, n) -> System.out.printf("  %s: %d (%s)%n", flag, n,
                    Flags.MEANING.getOrDefault(flag, flag)));
        }
        if (report.unchecked() > 0) {
            System.out.println(report.unchecked() + " counted runs were stored before runs were checked for "
                    + "degenerate results: rerun them to check");
        }
    }
}
