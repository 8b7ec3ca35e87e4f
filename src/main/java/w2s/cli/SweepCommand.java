package w2s.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.Sweep;
import w2s.results.ResultStore;

/** {@code w2s sweep FILE}: a grid of runs into a results folder, resumable after any crash. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run every cell of a sweep file (YAML or JSON), each into a run folder under --out (metrics.json "
                + "and row.parquet); cells already finished are skipped, so rerunning the command after a crash "
                + "finishes the sweep, and several sweeps may share one --out.")
final class SweepCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "sweep file: run options as keys, lists as grid axes")
    Path file;
    @Option(names = "--out", defaultValue = "runs/sweep", description = "results folder, one run folder per cell "
            + "(default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--store", description = "also add every result to this DuckDB store (the format of earlier "
            + "versions; it is locked while the sweep runs)")
    Path store;
    @Option(names = "--cache", description = "cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;
    // One cell at a time by default: on 2 shared cores two parallel cells were twice as slow on a cold cache (feature
    // extraction already uses both cores) and 1.7x faster on warm features; see bench/README.md.
    @Option(names = "--parallel", defaultValue = "1", description = "cells run at once (default: ${DEFAULT-VALUE})")
    int parallel;
    @Option(names = "--dry-run", description = "list the cells and exit")
    boolean dryRun;

    @Override
    public Integer call() {
        List<ExperimentConfig> cells = SweepPlan.read(file);
        if (dryRun) {
            cells.forEach(c -> System.out.println(Sweep.describe(c)));
            System.out.println(cells.size() + " cells");
            return 0;
        }
        long t0 = System.nanoTime();
        Sweep.Outcome outcome;
        try (Experiment experiment = new Experiment(cache != null ? cache : Experiment.defaultCacheRoot());
             ResultStore results = store == null ? null : ResultStore.open(store)) {
            outcome = Sweep.run(cells, experiment, out, results, parallel);
        }
        System.out.printf("%d cells: %d already stored, %d run now, %d failed, %.1f s; runs in %s%s%n", outcome.cells(),
                outcome.alreadyStored(), outcome.ran(), outcome.failures().size(), (System.nanoTime() - t0) / 1e9,
                out, store == null ? "" : " and " + store);
        outcome.failures().forEach(f -> System.err.println("w2s: failed: " + f));
        return outcome.failures().isEmpty() ? 0 : 3;
    }
}
