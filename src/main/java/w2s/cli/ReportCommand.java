package w2s.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import w2s.base.Json;
import w2s.results.HtmlReport;
import w2s.results.Results;

/** {@code w2s report}: the paper's figures for a results store, as one self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write report.html (one offline file, interactive charts) with the paper's figures for a folder "
                + "of runs.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DIR", description = "a folder of runs: a sweep's --out, or any folder "
            + "holding run folders (default: runs/sweep)")
    Path dir;
    @Option(names = "--store", description = "a DuckDB store written by an earlier version, read instead of DIR")
    Path store;
    @Option(names = "--out", defaultValue = "runs/report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() {
        Path source = ResultsCommand.source(dir, store);
        String html;
        try (Results results = Results.open(source)) {
            results.notes().forEach(n -> System.err.println("w2s: " + n));
            html = HtmlReport.render(results, source.toString());
        }
        Path file = out.resolve("report.html");
        Json.writeAtomically(file, html);
        System.out.println("wrote " + file);
        return 0;
    }
}
