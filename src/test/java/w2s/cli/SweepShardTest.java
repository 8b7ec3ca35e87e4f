package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.results.Results;
import w2s.results.RunFiles;
import w2s.sweep.Claims;
import w2s.sweep.Shard;
import w2s.sweep.Sweep;

/** Shards of a sweep, workers that overlap, and the command's answers to bad input. */
class SweepShardTest {
    @TempDir
    Path dir;

    private Path sweepFile() throws Exception {
        Path file = dir.resolve("sweep.yaml");
        Files.writeString(file, "tasks: [grammar]\nmodels: [bow]\nlosses: [xent, logconf, product]\nseeds: 2\n"
                + "n-train: 200\nn-test: 100\n");
        return file;
    }

    @Test
    void overlappingWorkersRunEachCellOnceAndShardsCoverTheGrid() throws Exception {
        List<ExperimentConfig> cells = SweepPlan.read(sweepFile());
        Path out = dir.resolve("out");
        // Two workers on the whole grid at once (an overlap by mistake), each with a cache of its own.
        List<CompletableFuture<Sweep.Outcome>> workers = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            workers.add(CompletableFuture.supplyAsync(() -> {
                try (Experiment e = new Experiment(dir.resolve("cache-" + name)); Claims claims = Claims.open(out)) {
                    return Sweep.run(cells, e, out, null, 1, Shard.ALL, claims);
                }
            }));
        }
        Sweep.Outcome a = workers.get(0).get();
        Sweep.Outcome b = workers.get(1).get();
        assertEquals(List.of(), a.failures());
        assertEquals(List.of(), b.failures());
        assertEquals(6, a.ran() + b.ran(), "each cell computed by one worker: " + a + " " + b);
        assertEquals(6, a.ran() + a.alreadyStored() + a.elsewhere());
        assertEquals(6, b.ran() + b.alreadyStored() + b.elsewhere());
        try (Results store = Results.open(out)) {
            assertEquals(6L, ((Number) store.query("SELECT count(DISTINCT cell_key) FROM runs").rows().get(0).get(0))
                    .longValue());
            assertEquals(6L, store.count());
        }
        assertEquals(0, out.resolve(Claims.CLAIMS).toFile().list().length);

        // Shards 0/2 and 1/2 split the grid: 3 cells each, the cells sorted by key and dealt out in turn.
        Map<String, Integer> owner = new HashMap<>();
        int[] ran = new int[2];
        Path sharded = dir.resolve("sharded");
        try (Experiment e = new Experiment(dir.resolve("cache-a"))) {
            for (int i = 0; i < 2; i++) {
                try (Claims claims = Claims.open(sharded)) {
                    Sweep.Outcome o = Sweep.run(cells, e, sharded, null, 1, new Shard(i, 2), claims);
                    assertEquals(o.cells(), o.ran());
                    ran[i] = o.ran();
                }
            }
            for (ExperimentConfig c : cells) {
                String key = e.cellKey(c);
                owner.put(key, Shard.deal(cells.stream().map(e::cellKey).toList(), 2).get(key));
                Path run = sharded.resolve(RunFiles.folderName(c, key));
                assertTrue(RunFiles.complete(run));
                // Each cell's folder holds its per-example predictions and its training log too.
                assertTrue(Files.size(run.resolve(RunFiles.PREDICTIONS)) > 0, run.toString());
                assertTrue(Files.size(run.resolve(RunFiles.LOG)) > 0, run.toString());
            }
        }
        assertEquals(6, owner.size());
        assertEquals(3, ran[0]);
        assertEquals(3, ran[1]);
    }

    @Test
    void badShardsAndSlurmOptionsAreRefusedWithoutTouchingStoredRuns() throws Exception {
        Path file = sweepFile();
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("kept"));
        Files.writeString(out.resolve("kept").resolve("metrics.json"), "{}");
        for (String bad : new String[] {"3/3", "-1/2", "1", "a/b", "2/0"}) {
            String[] err = new String[1];
            String text = MainTest.capture(() -> err[0] = captureErr(() -> assertEquals(2,
                    Main.execute("sweep", file.toString(), "--out", out.toString(), "--shard", bad))));
            assertTrue(err[0].contains("--shard") && err[0].contains("I/N") || err[0].contains("0 <= I < N"),
                    bad + ": " + err[0] + text);
        }
        String err = captureErr(() -> assertEquals(2, Main.execute("sweep", file.toString(), "--out", out.toString(),
                "--partition", "gpu")));
        assertTrue(err.contains("go with --slurm"), err);
        err = captureErr(() -> assertEquals(2, Main.execute("sweep", file.toString(), "--out", out.toString(),
                "--slurm", "--shard", "0/2")));
        assertTrue(err.contains("drop --shard"), err);
        assertTrue(Files.exists(out.resolve("kept").resolve("metrics.json")));
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(out.resolve("kept")), s.toList());
        }
    }

    @Test
    void printWritesTheArrayScriptWithoutSubmitting() throws Exception {
        Path file = sweepFile();
        Path out = dir.resolve("out");
        String script = MainTest.capture(() -> assertEquals(0, Main.execute("sweep", file.toString(), "--out",
                out.toString(), "--slurm", "--print", "--partition", "gpu", "--gres", "gpu:1", "--time", "12:00:00",
                "--cpus", "8", "--mem", "64G", "--max-parallel", "2", "--shards", "3", "--sbatch-option",
                "--account=lab")));
        Path abs = out.toAbsolutePath().normalize();
        for (String line : List.of("#!/bin/bash", "#SBATCH --array=0-2%2", "#SBATCH --partition=gpu",
                "#SBATCH --gres=gpu:1", "#SBATCH --time=12:00:00", "#SBATCH --cpus-per-task=8", "#SBATCH --mem=64G",
                "#SBATCH --account=lab", "#SBATCH --output=" + abs.resolve("slurm").resolve("logs") + "/%A_%a.log")) {
            assertTrue(script.contains(line + "\n"), line + " in\n" + script);
        }
        // The tasks run this installation's bin/w2s, by absolute path, on the sweep's absolute paths.
        Path bin = Path.of("bin", "w2s").toAbsolutePath();
        assertTrue(script.contains("exec " + bin + " sweep " + file.toAbsolutePath() + " --out " + abs
                + " --shard \"$SLURM_ARRAY_TASK_ID/3\""), script);
        try (Stream<Path> s = Files.list(abs.resolve("slurm"))) {
            Path written = s.filter(p -> p.toString().endsWith(".sbatch")).findFirst().orElseThrow();
            assertEquals(script, Files.readString(written));
        }
        assertFalse(Files.exists(abs.resolve("slurm").resolve(Slurm.JOBS)), "nothing submitted");
        assertEquals("0-2,5,7-9%4", Slurm.arraySpec(List.of(0, 1, 2, 5, 7, 8, 9), 4));
        assertEquals(List.of(0, 1, 2, 5, 7, 9), Slurm.indices("0-2,5,7-9:2%4"));
    }

    @Test
    void slurmWithoutSbatchOnPathSaysSo() throws Exception {
        Path file = sweepFile();
        Path out = dir.resolve("out");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "sweep", file.toString(),
                "--out", out.toString(), "--slurm");
        pb.environment().put("PATH", dir.resolve("empty").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.waitFor(), text);
        assertTrue(text.contains("--slurm needs sbatch, which is not on PATH"), text);
        assertFalse(Files.exists(out));
    }

    /** Runs body and returns what it printed on stderr. */
    static String captureErr(Runnable body) {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true));
        try {
            body.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }

    /**
     * Shards fill the feature cache with their own subsets of texts, in their own order; a text's features must not
     * depend on that (extraction never pads, see Batches), so every metric of a sharded sweep equals the single
     * process's to the last bit. Only the wall-clock timings ({@code seconds}) differ. Decoder features (tiny GPT-2 and
     * Qwen2, PyTorch) are where padding showed: mean-pooled states moved by up to 2e-7 and ECE and Brier by 1e-9.
     */
    /**
     * A sharded sweep's metrics are one process's, to float rounding: extraction batches texts of one token count,
     * but libtorch's fp32 GEMM (OpenBLAS) rounds a row's product differently with the number of rows beside it, so a
     * text extracted beside other texts in another worker differs in the last bits of its features (about 1e-7
     * relative), and the metrics by about 1e-10. Everything else (structure, strings, counts, flags) is identical.
     */
    @Test
    void aShardedSweepGivesTheSameMetricsToFloatRounding() throws Exception {
        Path file = dir.resolve("bits.yaml");
        Files.writeString(file, "tasks: [grammar]\nmodels: [bow, " + Path.of("src/test/resources/tiny/gpt2").toAbsolutePath()
                + ", " + Path.of("src/test/resources/tiny/qwen2").toAbsolutePath()
                + "]\nlosses: [xent]\nseeds: 2\nn-train: 300\nn-test: 100\n");
        Path whole = dir.resolve("whole"), sharded = dir.resolve("sharded");
        MainTest.capture(() -> assertEquals(0, Main.execute("-q", "sweep", file.toString(), "--out", whole.toString(),
                "--cache", dir.resolve("cache-whole").toString())));
        // Three workers at once, as on a cluster: each its own process, racing to fill one cache.
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-Xss8m", "-cp", System.getProperty("java.class.path"), "w2s.cli.Main", "-q", "sweep",
                    file.toString(), "--out", sharded.toString(), "--cache", dir.resolve("cache-sharded").toString(),
                    "--shard", i + "/3").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(dir.resolve("worker" + i + ".log").toFile()).start());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, workers.get(i).waitFor(), Files.readString(dir.resolve("worker" + i + ".log")));
        }
        List<Path> runs;
        try (Stream<Path> s = Files.list(whole)) {
            runs = s.filter(p -> Files.isRegularFile(p.resolve(RunFiles.METRICS))).toList();
        }
        assertEquals(12, runs.size());
        for (Path run : runs) {
            com.fasterxml.jackson.databind.node.ObjectNode a = (com.fasterxml.jackson.databind.node.ObjectNode)
                    w2s.base.Json.MAPPER.readTree(run.resolve(RunFiles.METRICS).toFile());
            com.fasterxml.jackson.databind.node.ObjectNode b = (com.fasterxml.jackson.databind.node.ObjectNode)
                    w2s.base.Json.MAPPER.readTree(sharded.resolve(run.getFileName()).resolve(RunFiles.METRICS).toFile());
            a.remove("seconds");
            b.remove("seconds");
            assertSame(a, b, run.getFileName() + ": ");
        }
    }

    /** Equal JSON, numbers within 1e-6 of each other. */
    private static void assertSame(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b,
                                   String where) {
        if (a.isNumber() && b.isNumber()) {
            assertEquals(a.asDouble(), b.asDouble(), 1e-6, where);
            return;
        }
        assertEquals(a.getNodeType(), b.getNodeType(), where);
        if (a.isContainerNode()) {
            assertEquals(a.size(), b.size(), where + " size");
            if (a.isArray()) {
                for (int i = 0; i < a.size(); i++) assertSame(a.get(i), b.get(i), where + "[" + i + "]");
            } else {
                a.fieldNames().forEachRemaining(f -> assertSame(a.get(f), b.path(f), where + "." + f));
            }
        } else {
            assertEquals(a, b, where);
        }
    }
}
