package w2s.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.metrics.Bootstrap;
import w2s.metrics.Flags;
import w2s.report.RunTables;
import w2s.report.Table;
import w2s.results.ResultStore;
import w2s.results.Summary;

/** {@code w2s results}: the standard summary of a results store, or any SQL query on it. */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Median PGR as the paper aggregates it (weak and ceiling accuracies averaged over seeds per "
                + "weak-strong pair, each run's PGR against them, the median over runs; same-model pairs and pairs "
                + "whose ceiling is not above the weak model left out), on accuracy and on AUROC, with a 95%% "
                + "bootstrap interval over seeds, per task, loss and every other setting that differs between runs. "
                + "Flagged runs are left out unless --include-flagged. Or run --sql on table 'runs'.")
final class ResultsCommand implements Callable<Integer> {
    @Option(names = "--store", defaultValue = "runs/sweep/results.duckdb", description = "results store (default: ${DEFAULT-VALUE})")
    Path store;
    @Option(names = "--sql", description = "a query, e.g. \"SELECT loss, avg(w2s_acc) FROM runs GROUP BY loss\"")
    String sql;
    @Option(names = "--include-flagged", description = "count runs flagged as degenerate (constant weak labels, a "
            + "one-class model, a gap within noise) in the summary")
    boolean includeFlagged;

    @Override
    public Integer call() {
        if (!Files.exists(store)) throw new IllegalArgumentException("no results store at " + store + ": only `w2s sweep` and "
                + "`w2s run --store FILE` make one (the demo and a plain run write metrics.json files only)");
        try (ResultStore results = ResultStore.open(store)) {
            if (sql != null) {
                ResultStore.Rows rows = results.query(sql);
                Table t = new Table(rows.columns().toArray(String[]::new));
                for (List<Object> r : rows.rows()) t.row(r.toArray());
                System.out.print(t);
                System.out.println(rows.rows().size() + " rows");
                return 0;
            }
            print(Summary.summarize(results, includeFlagged));
        }
        return 0;
    }

    private void print(Summary.Report report) {
        System.out.println("grouped by: " + String.join(", ", report.groupedBy())
                + " (each line spans weak-strong pairs and seeds)");
        if (!report.modelSettings().isEmpty()) {
            System.out.println("not grouped, as they differ only from one model to another: " + String.join(", ", report.modelSettings()));
        }
        List<String> headers = new ArrayList<>(report.groupedBy());
        headers.addAll(List.of("pairs", "seeds", "runs", "median PGR", "95% CI", "PGR (AUROC)", "95% CI"));
        Table t = new Table(headers.toArray(String[]::new));
        for (Summary.Line l : report.lines()) {
            List<Object> row = new ArrayList<>(List.of(l.task(), l.loss()));
            row.addAll(l.settings().values());
            row.addAll(List.of(l.pairs(), l.seeds(), l.runs(), l.median(),
                    RunTables.interval(new Bootstrap.Interval(l.lo(), l.hi())), l.aurocMedian(),
                    RunTables.interval(new Bootstrap.Interval(l.aurocLo(), l.aurocHi()))));
            t.row(row.toArray());
        }
        System.out.print(report.lines().isEmpty() ? "no run is counted\n" : t.toString());
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
