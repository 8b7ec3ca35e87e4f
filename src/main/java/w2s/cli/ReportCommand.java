package w2s.cli;

import java.nio.file.Files;
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
        description = "Write DIR/report.html (one offline file, interactive charts) with the paper's figures for a "
                + "folder of runs.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DIR", description = "a folder of runs: a sweep's --out, or any folder "
            + "holding run folders (default: runs/sweep)")
    Path dir;
    @Option(names = "--store", description = "a DuckDB store written by an earlier version, read instead of DIR")
    Path store;
    @Option(names = "--out", paramLabel = "FILE|DIR", description = "the page to write (a .html file, or a folder "
            + "for report.html; default: DIR/report.html, or beside the --store file)")
    Path out;

    @Override
    public Integer call() {
        Path source = ResultsCommand.source(dir, store);
        String html;
        try (Results results = Results.open(source)) {
            results.notes().forEach(n -> System.err.println("w2s: " + n));
            if (results.count() == 0) throw new IllegalArgumentException("no finished runs in " + source + ": nothing "
                    + "to report (a run folder holds metrics.json and row.parquet; see the notes above)");
            html = HtmlReport.render(results, source.toString());
        }
        // Each store gets its own page, so reports of different sweeps never overwrite each other.
        Path file = out == null ? (Files.isDirectory(source) ? source.resolve("report.html")
                : source.resolveSibling(source.getFileName() + ".report.html"))
                : out.getFileName().toString().endsWith(".html") ? out : out.resolve("report.html");
        Json.writeAtomically(file, html);
        System.out.println("wrote " + file);
        return 0;
    }
}
