package w2s.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import w2s.base.Progress;
import w2s.data.DataException;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.results.ResultStore;
import w2s.results.RunFiles;

/**
 * Runs a list of cells into a results folder, each cell into a run folder of its own (named by its settings and the
 * hash of its configuration, see {@link RunFiles}). Each cell is a pure function of its configuration and the cache,
 * so cells run in any order and in parallel, and a rerun skips every cell whose folder holds a finished run: after a
 * crash, even kill -9, the same command picks up where it stopped, and several sweeps may write into one folder.
 * Workers that share a folder (shards on a cluster) take a {@link Claims claim} on a cell before running it, so none
 * runs a cell that another is running.
 */
public final class Sweep {
    private Sweep() {}

    /**
     * What a sweep did: cells in the grid (in this shard), already stored, run now, the failures (cell and message),
     * and cells left to other workers that held them.
     */
    public record Outcome(int cells, int alreadyStored, int ran, List<String> failures, int elsewhere) {
        public Outcome(int cells, int alreadyStored, int ran, List<String> failures) {
            this(cells, alreadyStored, ran, failures, 0);
        }
    }

    /**
     * Runs the cells not yet finished in out; store, when not null, is a DuckDB store (of earlier versions) that every
     * result is also added to.
     */
    public static Outcome run(List<ExperimentConfig> cells, Experiment experiment, Path out, ResultStore store,
                              int parallel) {
        return run(cells, experiment, out, store, parallel, Shard.ALL, null);
    }

    /**
     * Runs the cells of a shard not yet finished in out, each under a claim when claims is not null (a cell another
     * worker holds is left to it).
     */
    public static Outcome run(List<ExperimentConfig> cells, Experiment experiment, Path out, ResultStore store,
                              int parallel, Shard shard, Claims claims) {
        Set<String> stored = store == null ? Set.of() : store.keys();
        Map<String, ExperimentConfig> todo = new LinkedHashMap<>();
        int already = 0;
        int inShard = 0;
        Set<String> mine = shard.cells(cells.stream().map(experiment::cellKey).toList());
        for (ExperimentConfig c : cells) {
            String key = experiment.cellKey(c);
            if (!mine.contains(key)) continue;
            inShard++;
            Path dir = out.resolve(RunFiles.folderName(c, key));
            if (RunFiles.complete(dir)) {
                already++;
                // A run whose store row a crash lost: the store catches up from the files.
                if (store != null && !stored.contains(key)) store.add(key, experiment.result(c));
            } else {
                todo.putIfAbsent(key, c);
            }
        }
        checkSizes(todo.values(), experiment);
        // Self-pairs first: they train every weak model and every ceiling, which the other cells then find cached
        // instead of waiting on one another for them.
        List<Map.Entry<String, ExperimentConfig>> order = new ArrayList<>(todo.entrySet());
        order.sort(Comparator.comparing(e -> !e.getValue().weak().equals(e.getValue().strong())));
        List<String> failures = new ArrayList<>();
        AtomicInteger elsewhere = new AtomicInteger();
        AtomicInteger meanwhile = new AtomicInteger();
        Progress progress = new Progress("sweep", order.size(), "cells");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Map.Entry<String, ExperimentConfig> e : order) {
                futures.add(pool.submit(() -> {
                    String key = e.getKey();
                    Path dir = out.resolve(RunFiles.folderName(e.getValue(), key));
                    try {
                        if (claims != null && !claims.tryClaim(key)) {
                            elsewhere.incrementAndGet();
                        } else if (claims != null && RunFiles.complete(dir)) {
                            // Another worker finished it between the listing and the claim.
                            meanwhile.incrementAndGet();
                            if (store != null) store.add(key, experiment.result(e.getValue()));
                        } else {
                            RunResult result = experiment.result(e.getValue());
                            RunFiles.write(dir, key, result, experiment.predictions(e.getValue()));
                            if (store != null) store.add(key, result);
                            if (claims != null) claims.succeeded(key);
                        }
                    } catch (RuntimeException ex) {
                        synchronized (failures) {
                            failures.add(describe(e.getValue()) + ": " + ex.getMessage());
                        }
                        if (claims != null) claims.failed(key, describe(e.getValue()), String.valueOf(ex));
                    } finally {
                        if (claims != null) claims.release(key);
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
        return new Outcome(inShard, already + meanwhile.get(),
                todo.size() - failures.size() - elsewhere.get() - meanwhile.get(), failures, elsewhere.get());
    }

    /**
     * Refuses cells whose split a task cannot give (a size larger than the data, an --n-val that leaves too little)
     * before any cell trains, naming the first such cell: a size in a sweep file was typed, so it is not capped.
     * Drawing a split is cheap; cells that differ only in models and losses share one and are checked once.
     */
    public static void checkSizes(Collection<ExperimentConfig> cells, Experiment experiment) {
        Set<List<Object>> checked = new HashSet<>();
        for (ExperimentConfig c : cells) {
            // Dropping long texts depends on the strong model's tokenizer and limit, so it is part of the split then.
            boolean drop = c.longTexts() != null;
            List<Object> split = Arrays.asList(c.task(), c.data(), c.testFile(), c.split(), c.longTexts(),
                    drop ? c.strong().name() : null, drop ? c.strong().maxTokens() : null);
            if (!checked.add(split)) continue;
            try {
                experiment.split(c);
            } catch (DataException e) {
                throw new DataException("sweep cell " + describe(c) + ": " + e.getMessage() + " (nothing was run)");
            }
        }
    }

    /**
     * Each cell as {@link #describe(ExperimentConfig)} says it, followed by the settings that tell it from the sweep's
     * other cells where task, pair, loss and seed do not (an epochs axis: {@code strong.train.epochs=4}), so no two
     * cells of a sweep read alike.
     */
    public static List<String> describe(List<ExperimentConfig> cells) {
        List<Map<String, String>> settings = cells.stream()
                .map(c -> w2s.results.Summary.settings(w2s.base.Json.compact(c))).toList();
        Set<String> said = Set.of("weak.name", "strong.name", "loss");
        Set<String> varying = new java.util.TreeSet<>();
        for (Map<String, String> s : settings) {
            for (String key : s.keySet()) {
                if (said.contains(key) || key.startsWith("via[")) continue;
                if (settings.stream().anyMatch(o -> !java.util.Objects.equals(o.get(key), s.get(key)))) varying.add(key);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            StringBuilder line = new StringBuilder(describe(cells.get(i)));
            for (String key : varying) line.append("  ").append(key).append('=').append(settings.get(i).getOrDefault(key, "-"));
            out.add(line.toString());
        }
        return out;
    }

    public static String describe(ExperimentConfig c) {
        String via = c.via().isEmpty() ? "" : " via " + String.join(",", c.via().stream().map(m -> m.name()).toList());
        return c.task() + " " + c.weak().name() + "->" + c.strong().name() + via + " " + c.loss() + " seed " + c.seed();
    }
}
