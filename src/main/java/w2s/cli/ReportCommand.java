package w2s.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.report.Json;
import w2s.results.HtmlReport;
import w2s.results.ResultStore;

/** {@code w2s report}: the paper's figures for a results store, as one self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write report.html (inline SVG, no network) with the paper's figures for a results store.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--store", defaultValue = "runs/sweep/results.duckdb", description = "results store (default: ${DEFAULT-VALUE})")
    Path store;
    @Option(names = "--out", defaultValue = "runs/report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() {
        if (!Files.exists(store)) throw new IllegalArgumentException("no results store at " + store + ": only `w2s sweep` and "
                + "`w2s run --store FILE` make one (the demo and a plain run write metrics.json files only)");
        String html;
        try (ResultStore results = ResultStore.open(store)) {
            html = HtmlReport.render(results, store.getFileName().toString());
        }
        Path file = out.resolve("report.html");
        Json.writeAtomically(file, html);
        System.out.println("wrote " + file);
        return 0;
    }
}
