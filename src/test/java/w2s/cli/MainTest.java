package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input stops the command with one clear message and a non-zero status. */
class MainTest {
    @TempDir
    Path dir;

    private record Ran(int status, String err) {}

    /** Runs the action with standard output captured and returns what it printed. */
    static String capture(Runnable action) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            action.run();
        } finally {
            System.setOut(saved);
        }
        return out.toString();
    }

    private Ran run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            return new Ran(Main.execute(args), err.toString());
        } finally {
            System.setErr(saved);
        }
    }

    private Ran runTask(String... extra) {
        String[] base = {"run", "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("out").toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    @Test
    void malformedFileNamesFileLineAndField() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"x\", \"label\": 3}\n");
        Ran r = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad.jsonl:2: column 'label': expected a binary label"), r.err());
    }

    @Test
    void unknownNamesListTheValidOnes() {
        Ran task = runTask("--task", "nope");
        assertEquals(2, task.status());
        assertTrue(task.err().contains("built-in tasks: grammar"), task.err());
        Ran model = runTask("--task", "grammar", "--strong", "gpt-5");
        assertEquals(2, model.status());
        assertTrue(model.err().contains("unknown model 'gpt-5'") && model.err().contains("minilm-l6"), model.err());
        Ran loss = runTask("--task", "grammar", "--loss", "hinge");
        assertEquals(2, loss.status());
        assertTrue(loss.err().contains("valid losses: xent, logconf"), loss.err());
    }

    @Test
    void oneClassSplitIsRefused() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) sb.append("{\"text\": \"sentence ").append(i).append("\", \"label\": 1}\n");
        Path f = Files.writeString(dir.resolve("one.jsonl"), sb.toString());
        Ran r = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("has only class 1"), r.err());
    }

    @Test
    void demoRunsBothLossesAndWritesEachRun() {
        Ran[] r = new Ran[1];
        String out = capture(() -> r[0] = run("demo", "--n-train", "200", "--n-test", "100", "--seeds", "2", "--cache",
                dir.resolve("cache").toString(), "--out", dir.resolve("demo").toString()));
        assertEquals(0, r[0].status(), r[0].err());
        for (String run : new String[] {"xent_seed0", "logconf_seed0", "xent_seed1", "logconf_seed1"}) {
            assertTrue(Files.exists(dir.resolve("demo").resolve(run).resolve("metrics.json")), run);
        }
        // One "median PGR": the demo prints the summary `w2s results` prints for its folder, table and notes alike.
        assertTrue(out.contains("(the same summary: bin/w2s results " + dir.resolve("demo") + ")"), out);
        Ran[] again = new Ran[1];
        String results = capture(() -> again[0] = run("results", dir.resolve("demo").toString()));
        assertEquals(0, again[0].status(), again[0].err());
        assertTrue(results.contains("median PGR"), results);
        assertTrue(out.contains(results), out + "\n---\n" + results);
    }

    @Test
    void bowToBowRunOnAFileTaskWritesMetrics() throws Exception {
        Path f = films();
        Ran r = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow", "--n-train", "80", "--n-test", "40");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.exists(dir.resolve("out/metrics.json")));
    }

    @Test
    void sizesLargerThanTheDataAreRefusedUnlessTheyAreDefaultsOrAll() throws Exception {
        Path f = films();
        // 120 documents without a test split: half are the test set (the default's cap), half train.
        Ran tooMany = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow", "--n-train", "500");
        assertEquals(2, tooMany.status(), tooMany.err());
        assertEquals("w2s: --n-train 500: task films has 60 training documents (after the 60 test documents); use at "
                + "most 60 or --n-train all", tooMany.err().strip());
        assertTrue(Files.notExists(dir.resolve("out/metrics.json")), "nothing ran");
        Ran tooManyTest = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow", "--n-test", "61");
        assertEquals(2, tooManyTest.status(), tooManyTest.err());
        assertTrue(tooManyTest.err().contains("--n-test 61: task films has 120 documents and no test split"),
                tooManyTest.err());

        // The defaults (4000 and 1000) are caps: all there is, silently, and the result records what was used.
        Ran defaults = runTask("--task", f.toString(), "--weak", "bow", "--strong", "bow");
        assertEquals(0, defaults.status(), defaults.err());
        assertTrue(!defaults.err().contains("--n-"), "no note: " + defaults.err());
        com.fasterxml.jackson.databind.JsonNode m = w2s.base.Json.MAPPER.readTree(dir.resolve("out/metrics.json")
                .toFile());
        assertEquals(60, m.path("n_a").asInt() + m.path("n_b").asInt());
        assertEquals(60, m.path("n_test").asInt());
        assertEquals(4000, m.path("config").path("split").path("n_train").asInt());

        Ran all = run("run", "--cache", dir.resolve("cache").toString(), "--out", dir.resolve("all").toString(),
                "--task", f.toString(), "--weak", "bow", "--strong", "bow", "--n-train", "all", "--n-test", "20");
        assertEquals(0, all.status(), all.err());
        m = w2s.base.Json.MAPPER.readTree(dir.resolve("all/metrics.json").toFile());
        assertEquals(100, m.path("n_a").asInt() + m.path("n_b").asInt());
        assertEquals(20, m.path("n_test").asInt());
        assertEquals("all", m.path("config").path("split").path("n_train").asText());
    }

    @Test
    void aSweepWithASizeLargerThanTheDataStopsBeforeAnyCellRuns() throws Exception {
        Path f = films();
        Path file = Files.writeString(dir.resolve("sweep.yaml"), "tasks: [" + f + "]\nmodels: [bow]\n"
                + "seeds: 2\nn-train: [40, 500]\nn-test: 20\n");
        Path out = dir.resolve("sweep");
        Ran r = run("sweep", file.toString(), "--out", out.toString(), "--cache", dir.resolve("cache").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("sweep cell ") && r.err().contains("--n-train 500: task films has 100 training "
                + "documents (after the 20 test documents); use at most 100 or --n-train all (nothing was run)"),
                r.err());
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().equals("metrics.json")), "no cell ran");
        }
    }

    /** A small file task, 120 films, half of them liked: 60 documents without a test split are test documents. */
    private Path films() throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        String[] good = {"great", "lovely", "excellent", "wonderful"};
        String[] bad = {"awful", "terrible", "poor", "horrible"};
        for (int i = 0; i < 120; i++) {
            boolean positive = i % 2 == 0;
            String word = (positive ? good : bad)[i % 4];
            sb.append("{\"text\": \"the film was ").append(word).append(" number ").append(i)
                    .append("\", \"label\": ").append(positive ? 1 : 0).append("}\n");
        }
        return Files.writeString(dir.resolve("films.jsonl"), sb.toString());
    }
}
