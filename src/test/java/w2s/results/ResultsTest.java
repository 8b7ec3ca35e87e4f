package w2s.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.data.SplitConfig;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.zoo.Models;

/** Runs as files: a folder of run folders read with DuckDB, half-written runs skipped, exports, old stores. */
class ResultsTest {
    @TempDir
    static Path shared;

    static Path task;
    static Experiment.Outcome xent;
    static Experiment.Outcome logconf;
    static String xentKey;
    static String logconfKey;

    /** A small task a bag-of-words model learns in a moment: two word lists, some noise. */
    static Path writeTask(Path dir, int n) throws Exception {
        StringBuilder s = new StringBuilder();
        java.util.Random random = new java.util.Random(1);
        String[] good = {"great", "tasty", "lovely", "fresh", "superb"};
        String[] bad = {"awful", "stale", "bland", "broken", "sour"};
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            String[] words = (random.nextDouble() < 0.85) == (label == 1) ? good : bad;
            s.append(Json.compact(java.util.Map.of("id", "d" + i, "text", "the food was " + words[random.nextInt(5)]
                    + " and " + words[random.nextInt(5)] + " item " + i, "label", label))).append('\n');
        }
        Path file = dir.resolve("words.jsonl");
        Files.writeString(file, s);
        return file;
    }

    static ExperimentConfig config(Path task, String loss, long seed) {
        return new ExperimentConfig(task.toString(), new SplitConfig(seed, 200, 100, false),
                Models.defaults("bow", "scratch"), Models.defaults("bow", "scratch"), loss, "A");
    }

    @BeforeAll
    static void runTwo() throws Exception {
        task = writeTask(shared, 400);
        try (Experiment e = new Experiment(shared.resolve("cache"))) {
            xent = e.run(config(task, "xent", 0));
            xentKey = e.cellKey(config(task, "xent", 0));
            logconf = e.run(config(task, "logconf", 1));
            logconfKey = e.cellKey(config(task, "logconf", 1));
        }
    }

    @Test
    void aFolderOfRunFoldersIsTheStoreAndHalfWrittenRunsAreSkipped(@TempDir Path dir) throws Exception {
        // Two sweeps wrote into one folder, at different depths.
        Path a = dir.resolve("sweep-a").resolve(RunFiles.folderName(xent.result().config(), xentKey));
        RunWriter.write(a, xentKey, xent);
        Path b = dir.resolve("sweep-b").resolve("nested").resolve("run");
        RunWriter.write(b, logconfKey, logconf);
        assertTrue(a.getFileName().toString().endsWith("-" + xentKey.substring(0, 8)), a.toString());
        assertTrue(RunFiles.complete(a));
        // Killed mid-write: weak labels and a temporary file, no metrics.json, no row.
        Path killed = dir.resolve("sweep-a").resolve("killed");
        Files.createDirectories(killed);
        Files.writeString(killed.resolve(RunFiles.WEAK_LABELS), "{\"id\":\"d1\"}\n");
        Files.writeString(killed.resolve(".row.parquet123.tmp"), "PAR1 half");
        // Written before rows existed: metrics.json only.
        Path old = dir.resolve("old");
        Json.writeAtomically(old.resolve(RunFiles.METRICS), xent.result());
        // A truncated row with a good metrics.json beside it: read from the metrics.
        Path truncated = dir.resolve("truncated");
        RunWriter.write(truncated, logconfKey, logconf);
        byte[] row = Files.readAllBytes(truncated.resolve(RunFiles.ROW));
        Files.write(truncated.resolve(RunFiles.ROW), java.util.Arrays.copyOf(row, row.length / 2));

        try (Results results = Results.open(dir)) {
            // old and truncated hold the same runs as sweep-a and sweep-b: each run is counted once.
            assertEquals(2, results.count());
            String notes = String.join("\n", results.notes());
            assertTrue(notes.contains("skipped sweep-a/killed: a half-written run"), notes);
            assertTrue(notes.contains("truncated: row.parquet is not a whole Parquet file"), notes);
            assertTrue(notes.contains("counted once: old is the same run as " + dir.relativize(a)), notes);
            assertTrue(notes.contains("counted once: truncated is the same run as sweep-b/nested/run"), notes);
            ResultStore.Rows rows = results.query("SELECT loss, seed, weak_accuracy, w2s_accuracy, pgr_ci, flags, "
                    + "weak_params, n_test, config, w2s_version FROM runs WHERE cell_key = '" + xentKey + "'");
            List<Object> r = rows.rows().get(0);
            assertEquals("xent", r.get(0));
            assertEquals(0L, ((Number) r.get(1)).longValue());
            assertEquals(xent.result().weakAccuracy(), (Double) r.get(2), 1e-12);
            assertEquals(xent.result().w2sAccuracy(), (Double) r.get(3), 1e-12);
            assertEquals(2, ((List<?>) r.get(4)).size(), "an interval is a list [lo, hi]");
            assertEquals(xent.result().flags(), r.get(5));
            assertNull(r.get(6), "bow has no parameter count, and none is made up");
            assertEquals(100, ((Number) r.get(7)).intValue());
            assertTrue(((String) r.get(8)).contains("\"loss\":\"xent\""));
            assertTrue(r.get(9) != null);
            // The summary reads the same table.
            assertEquals(2, Summary.summarize(results, true).total());
        }
    }

    /** Issue 22 item 5: copies counted once, real cell keys for runs read from metrics.json, interrupted runs. */
    @Test
    void eachRunIsCountedOnceUnderItsRealCellKeyAndInterruptedRunsAreNamed(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("sweep").resolve(RunFiles.folderName(xent.result().config(), xentKey));
        RunWriter.write(a, xentKey, xent);
        Path copy = Files.createDirectories(dir.resolve("backup").resolve(a.getFileName()));
        try (var files = Files.list(a)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        // Written before rows existed, twice: keyed as the run was, so the copy shows.
        Path old = dir.resolve("old");
        Json.writeAtomically(old.resolve(RunFiles.METRICS), logconf.result());
        Path oldCopy = dir.resolve("zz-old-copy");
        Json.writeAtomically(oldCopy.resolve(RunFiles.METRICS), logconf.result());
        // Killed after metrics.json, before row.parquet.
        Path killed = dir.resolve("killed");
        RunWriter.write(killed, logconfKey, logconf);
        Files.delete(killed.resolve(RunFiles.ROW));
        Files.writeString(killed.resolve(".row.parquet42.tmp"), "PAR1 half");
        assertTrue(RunFiles.interrupted(killed));
        assertFalse(RunFiles.interrupted(old), "metrics.json alone is an earlier w2s's run, not an interrupted one");

        try (Results results = Results.open(dir)) {
            assertEquals(2, results.count());
            String notes = String.join("\n", results.notes());
            assertTrue(notes.contains("counted once: " + dir.relativize(a) + " is the same run as "
                    + dir.relativize(copy)), notes);
            assertTrue(notes.contains("counted once: zz-old-copy is the same run as old"), notes);
            assertTrue(notes.contains("skipped killed: an interrupted run"), notes);
            assertFalse(notes.contains("killed: a half-written") || notes.contains("2 run(s) read from"), notes);
            ResultStore.Rows keys = results.query("SELECT cell_key FROM runs ORDER BY cell_key");
            assertEquals(new java.util.TreeSet<>(List.of(xentKey, logconfKey)), new java.util.TreeSet<>(
                    keys.rows().stream().map(r -> (String) r.get(0)).toList()));
        }
        // The next write into the interrupted folder clears its temporary files and completes it.
        RunWriter.write(killed, logconfKey, logconf);
        assertTrue(RunFiles.complete(killed));
        assertFalse(Files.exists(killed.resolve(".row.parquet42.tmp")));
    }

    @Test
    void exportsKeepTheMetricsJsonNamesAndStatementsWithoutRowsSucceed(@TempDir Path dir) throws Exception {
        RunWriter.write(dir.resolve("runs").resolve("one"), xentKey, xent);
        RunWriter.write(dir.resolve("runs").resolve("two"), logconfKey, logconf);
        try (Results results = Results.open(dir.resolve("runs"))) {
            results.export("csv", dir.resolve("runs.csv"), null);
            results.export("parquet", dir.resolve("runs.parquet"), null);
            results.export("json", dir.resolve("runs.json"), null);
            // COPY and CREATE return no rows and succeed.
            assertTrue(results.execute("CREATE TABLE copy AS SELECT * FROM runs").rows().columns().isEmpty());
            results.execute("COPY (SELECT loss, pgr FROM copy) TO '" + dir.resolve("pgr.csv") + "' (HEADER)");
        }
        List<String> csv = Files.readAllLines(dir.resolve("runs.csv"));
        assertEquals(3, csv.size());
        List<String> header = List.of(csv.get(0).split(","));
        for (String c : List.of("cell_key", "task", "weak", "strong", "loss", "seed", "weak_accuracy", "w2s_accuracy",
                "ceiling_accuracy", "pgr", "pgr_ci", "gap_ci", "flags", "agreement_weak_wrong", "n_test")) {
            assertTrue(header.contains(c), "column " + c + " in " + header);
        }
        assertEquals(2, Files.readAllLines(dir.resolve("runs.json")).size(), "one JSON object per line");
        assertTrue(Files.readString(dir.resolve("pgr.csv")).startsWith("loss,pgr"));
        try (Results again = Results.open(dir.resolve("runs"))) {
            assertEquals(2L, ((Number) again.query("SELECT count(*) FROM read_parquet('" + dir.resolve("runs.parquet")
                    + "') WHERE weak_accuracy IS NOT NULL").rows().get(0).get(0)).longValue());
        }
        assertTrue(RunFiles.isParquet(dir.resolve("runs.parquet")));
    }

    /** Each export read back with Python's standard library alone (csv + json) gives metrics.json's values. */
    @Test
    void exportsRoundTripThroughPythonsStandardLibrary(@TempDir Path dir) throws Exception {
        RunWriter.write(dir.resolve("runs").resolve("one"), xentKey, xent);
        try (Results results = Results.open(dir.resolve("runs"))) {
            results.export("csv", dir.resolve("runs.csv"), null);
            results.export("json", dir.resolve("runs.json"), null);
        }
        String script = String.join("\n",
                "import csv, json, sys",
                "m = json.load(open(sys.argv[1]))",
                "row = next(csv.DictReader(open(sys.argv[2], newline='')))",
                "obj = json.loads(open(sys.argv[3]).readline())",
                "def same(a, b):",
                "    if isinstance(a, float) and isinstance(b, float): return abs(a - b) < 1e-12",
                "    return a == b",
                "out = []",
                "for k in ['weak_accuracy', 'pgr', 'pgr_ci', 'gap_ci', 'flags', 'config', 'reliability']:",
                "    want = m[k]",
                "    cell = row[k]",
                "    try: got_csv = float(cell) if isinstance(want, float) else (None if cell == '' else json.loads(cell))",
                "    except ValueError: got_csv = 'unreadable %r' % cell",
                "    got_json = obj[k]",
                "    flat = lambda v: json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v",
                "    ok = all(same(flat(want), flat(g)) if not isinstance(want, float) else same(want, g) for g in (got_csv, got_json))",
                "    out.append(k + ('=ok' if ok else '=DIFF %r %r %r' % (want, got_csv, got_json)))",
                "print(' '.join(out))");
        Path py = dir.resolve("check.py");
        Files.writeString(py, script);
        Path metrics = dir.resolve("runs").resolve("one").resolve(RunFiles.METRICS);
        Process p = new ProcessBuilder("python3", py.toString(), metrics.toString(), dir.resolve("runs.csv").toString(),
                dir.resolve("runs.json").toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), said);
        assertEquals("weak_accuracy=ok pgr=ok pgr_ci=ok gap_ci=ok flags=ok config=ok reliability=ok", said);
        // One run, one line: nothing in a cell spans lines.
        assertEquals(2, Files.readAllLines(dir.resolve("runs.csv")).size());
    }

    @Test
    void aStoreOfEarlierVersionsReadsWithTheSameColumns(@TempDir Path dir) {
        Path file = dir.resolve("old.duckdb");
        try (ResultStore store = ResultStore.open(file)) {
            store.add(xentKey, xent.result());
            store.add(logconfKey, logconf.result());
        }
        try (Results results = Results.open(file)) {
            ResultStore.Rows rows = results.query("SELECT w2s_accuracy, pgr_ci, flags, weak_params, weak_mode, "
                    + "seconds, w2s_curve FROM runs WHERE cell_key = '" + xentKey + "'");
            List<Object> r = rows.rows().get(0);
            RunResult x = xent.result();
            assertEquals(x.w2sAccuracy(), (Double) r.get(0), 1e-12);
            assertEquals(2, ((List<?>) r.get(1)).size());
            assertEquals(x.flags(), r.get(2));
            assertNull(r.get(3), "the old store's made-up size of bow is dropped");
            assertEquals("scratch", r.get(4));
            assertTrue(r.get(5) != null);
            assertTrue(r.get(6) != null && ((String) r.get(6)).startsWith("["), String.valueOf(r.get(6)));
            // One command converts it.
            results.export("parquet", dir.resolve("converted.parquet"), null);
        }
        assertTrue(RunFiles.isParquet(dir.resolve("converted.parquet")));
    }

    @Test
    void eachRunsTestPredictionsAreReadBesideItsRowAndRunsOnTheSameDocumentsShareOneTestSet(@TempDir Path dir) {
        RunWriter.write(dir.resolve("a"), xentKey, xent);
        RunWriter.write(dir.resolve("deeper").resolve("b"), logconfKey, logconf);
        try (Results results = Results.open(dir)) {
            assertEquals(dir.resolve("a").toAbsolutePath(), results.folders().get(xentKey));
            Map<String, TestDocs.Scored> tests = TestDocs.read(results);
            assertEquals(java.util.Set.of(xentKey, logconfKey), tests.keySet());
            // Seeds 0 and 1 are scored on the same test documents (the test set does not move with the seed).
            assertTrue(tests.get(xentKey).set() == tests.get(logconfKey).set(), "one shared test set");
            int n = tests.get(xentKey).set().size();
            assertEquals(100, n);
            int[] ones = new int[n];
            java.util.Arrays.fill(ones, 1);
            RunResult x = xent.result();
            assertEquals(x.weakAccuracy(), tests.get(xentKey).weak().accuracy(ones, n), 1e-12);
            assertEquals(x.w2sAccuracy(), tests.get(xentKey).student().accuracy(ones, n), 1e-12);
            assertEquals(x.ceilingAuroc(), tests.get(xentKey).ceiling().auroc(ones), 1e-12);
        }
    }
}
