package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.results.Results;

/** A sweep killed with SIGKILL mid-way and run again writes every cell exactly once, each into its own run folder. */
class SweepCommandTest {
    private static final int CELLS = 24;

    @TempDir
    Path dir;

    @Test
    void killedSweepResumesWithoutLosingOrRepeatingCells() throws Exception {
        Path file = dir.resolve("sweep.yaml");
        Files.writeString(file, "tasks: [grammar]\nmodels: [bow]\nlosses: [xent, logconf, product]\nseeds: 8\n"
                + "n-train: 300\nn-test: 100\n");
        Path out = dir.resolve("out");
        Path cache = dir.resolve("cache");
        ProcessBuilder childBuilder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "sweep", file.toString(),
                "--out", out.toString(), "--cache", cache.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // As on a terminal: a progress line every 200 ms (into a pipe it would be one a minute).
        childBuilder.environment().put("W2S_PROGRESS", "tty");
        Process child = childBuilder.start();
        // Progress lines ("k/24 cells") arrive on stderr; kill once a few cells are done, wherever the child is.
        Pattern done = Pattern.compile("(\\d+)/" + CELLS + " cells");
        int seen = 0;
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream()))) {
            for (String line; seen < 5 && (line = err.readLine()) != null; ) {
                Matcher m = done.matcher(line);
                if (m.find()) seen = Integer.parseInt(m.group(1));
            }
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(seen >= 5 && seen < CELLS, "killed mid-sweep, after " + seen + " cells");
        // The folder is a results store as it is, kill or not: every finished cell reads back as one row.
        try (Results partial = Results.open(out)) {
            assertTrue(partial.count() >= 5 && partial.count() < CELLS, "rows after the kill: " + partial.count());
        }

        String[] rerun = {"sweep", file.toString(), "--out", out.toString(), "--cache", cache.toString()};
        String report = MainTest.capture(() -> assertEquals(0, Main.execute(rerun)));
        Matcher summary = Pattern.compile("(\\d+) cells: (\\d+) already stored, (\\d+) run now, 0 failed").matcher(report);
        assertTrue(summary.find(), report);
        assertEquals(CELLS, Integer.parseInt(summary.group(1)));
        int stored = Integer.parseInt(summary.group(2));
        assertTrue(stored >= 5 && stored < CELLS, "cells finished before the kill are kept: " + report);
        assertEquals(CELLS, stored + Integer.parseInt(summary.group(3)));

        try (Results store = Results.open(out)) {
            List<Object> counts = store.query("SELECT count(*), count(DISTINCT cell_key), "
                    + "count(DISTINCT (loss, seed)) FROM runs").rows().get(0);
            assertEquals(List.of(24L, 24L, 24L), counts.stream().map(o -> ((Number) o).longValue()).toList());
        }
        // A third run finds everything stored and computes nothing.
        String again = MainTest.capture(() -> assertEquals(0, Main.execute(rerun)));
        assertTrue(again.contains(CELLS + " cells: " + CELLS + " already stored, 0 run now"), again);

        Path reportDir = dir.resolve("report");
        MainTest.capture(() -> assertEquals(0, Main.execute("report", out.toString(), "--out", reportDir.toString())));
        String html = Files.readString(reportDir.resolve("report.html"));
        assertTrue(html.contains("Apache ECharts") && html.contains("\"n\":8") && html.contains("test accuracy"));
        assertTrue(!html.contains("<script src") && !html.contains("<link"), "self-contained");
    }

    @Test
    void aSweepEndsWithTheNumberOfCellsPerFlag() throws Exception {
        Path file = dir.resolve("small.yaml");
        Files.writeString(file, "tasks: [grammar]\nmodels: [bow]\nlosses: [xent]\nseeds: 3\nn-train: 200\nn-test: 60\n");
        Path out = dir.resolve("small");
        String report = MainTest.capture(() -> assertEquals(0, Main.execute("sweep", file.toString(), "--out",
                out.toString(), "--cache", dir.resolve("cache").toString())));
        // Counted here from each run's metrics.json.
        java.util.Map<String, Integer> perFlag = new java.util.TreeMap<>();
        int flagged = 0;
        List<Path> metrics;
        try (var walk = Files.walk(out)) {
            metrics = walk.filter(p -> p.getFileName().toString().equals("metrics.json")).toList();
        }
        assertEquals(3, metrics.size());
        for (Path m : metrics) {
            var flags = w2s.base.Json.MAPPER.readTree(m.toFile()).path("flags");
            if (!flags.isEmpty()) flagged++;
            flags.forEach(f -> perFlag.merge(f.asText(), 1, Integer::sum));
        }
        assertTrue(report.contains("flags: " + flagged + " of 3 finished cells flagged"), report);
        perFlag.forEach((flag, n) -> assertTrue(report.contains("  " + flag + ": " + n + " ("), flag + " in " + report));
    }
}
