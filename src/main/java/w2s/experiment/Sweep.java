package w2s.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import java.nio.file.Path;

import w2s.report.Progress;
import w2s.results.ResultStore;
import w2s.results.RunFiles;

/**
 * Runs a list of cells into a results folder, each cell into a run folder of its own (named by its settings and the
 * hash of its configuration, see {@link RunFiles}). Each cell is a pure function of its configuration and the cache,
 * so cells run in any order and in parallel, and a rerun skips every cell whose folder holds a finished run: after a
 * crash, even kill -9, the same command picks up where it stopped, and several sweeps may write into one folder.
 */
public final class Sweep {
    private Sweep() {}

    /** What a sweep did: cells in the grid, already stored, run now, and the failures (cell and message). */
    public record Outcome(int cells, int alreadyStored, int ran, List<String> failures) {}

    /**
     * Runs the cells not yet finished in out; store, when not null, is a DuckDB store (of earlier versions) that every
     * result is also added to.
     */
    public static Outcome run(List<ExperimentConfig> cells, Experiment experiment, Path out, ResultStore store,
                              int parallel) {
        Set<String> stored = store == null ? Set.of() : store.keys();
        Map<String, ExperimentConfig> todo = new LinkedHashMap<>();
        int already = 0;
        for (ExperimentConfig c : cells) {
            String key = experiment.cellKey(c);
            Path dir = out.resolve(RunFiles.folderName(c, key));
            if (RunFiles.complete(dir)) {
                already++;
                // A run whose store row a crash lost: the store catches up from the files.
                if (store != null && !stored.contains(key)) store.add(key, experiment.result(c));
            } else {
                todo.putIfAbsent(key, c);
            }
        }
        // Self-pairs first: they train every weak model and every ceiling, which the other cells then find cached
        // instead of waiting on one another for them.
        List<Map.Entry<String, ExperimentConfig>> order = new ArrayList<>(todo.entrySet());
        order.sort(Comparator.comparing(e -> !e.getValue().weak().equals(e.getValue().strong())));
        List<String> failures = new ArrayList<>();
        Progress progress = new Progress("sweep", order.size(), "cells");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Map.Entry<String, ExperimentConfig> e : order) {
                futures.add(pool.submit(() -> {
                    try {
                        RunResult result = experiment.result(e.getValue());
                        RunFiles.write(out.resolve(RunFiles.folderName(e.getValue(), e.getKey())), e.getKey(), result);
                        if (store != null) store.add(e.getKey(), result);
                    } catch (RuntimeException ex) {
                        synchronized (failures) {
                            failures.add(describe(e.getValue()) + ": " + ex.getMessage());
                        }
                    }
                    progress.advance(1);
                }));
            }
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", ex);
        } catch (java.util.concurrent.ExecutionException ex) {
            throw new IllegalStateException(ex.getCause());
        } finally {
            pool.shutdownNow();
            progress.close();
        }
        return new Outcome(cells.size(), already, todo.size() - failures.size(), failures);
    }

    public static String describe(ExperimentConfig c) {
        String via = c.via().isEmpty() ? "" : " via " + String.join(",", c.via().stream().map(m -> m.name()).toList());
        return c.task() + " " + c.weak().name() + "->" + c.strong().name() + via + " " + c.loss() + " seed " + c.seed();
    }
}
