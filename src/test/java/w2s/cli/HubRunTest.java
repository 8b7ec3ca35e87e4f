package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Progress;
import w2s.data.Tasks;
import w2s.hub.FakeHub;

/**
 * {@code w2s run --task boolq} with no --data, end to end: google/boolq (40 training and 20 validation rows in its
 * real columns and types, at its real paths) is downloaded from a Hub on loopback into the tests' Hugging Face cache,
 * then the run reads it from there (the tests run with HF_HUB_OFFLINE=1, as a user offline after a first download);
 * {@code --task hf:ORG/NAME --text --label} the same way; and bad input exits with status 2.
 */
class HubRunTest {
    @TempDir
    static Path dir;
    static FakeHub hub;
    static String commit;

    @BeforeAll
    static void download() throws Exception {
        String cache = System.getenv("HF_HUB_CACHE");
        assumeTrue(cache != null, "the build sets HF_HUB_CACHE for the tests");
        Progress.setQuiet(true);
        Path repo = dir.resolve("hub/datasets/google/boolq");
        // Passages that say their answer, so the bag of words learns something.
        write(repo.resolve("data/train-00000-of-00001.parquet"), "SELECT 'is item ' || i || ' fine' AS question, "
                + "i % 2 = 0 AS answer, CASE WHEN i % 2 = 0 THEN 'item ' || i || ' is fine and good' ELSE 'item ' || i "
                + "|| ' is broken and bad' END AS passage FROM range(40) t(i)");
        write(repo.resolve("data/validation-00000-of-00001.parquet"), "SELECT 'is thing ' || i || ' fine' AS "
                + "question, i % 2 = 1 AS answer, CASE WHEN i % 2 = 1 THEN 'thing ' || i || ' is fine and good' ELSE "
                + "'thing ' || i || ' is broken and bad' END AS passage FROM range(20) t(i)");
        hub = new FakeHub(dir.resolve("hub"));
        commit = FakeHub.commitOf("datasets/google/boolq");
        Map<String, String> env = new HashMap<>();
        env.put("HF_HUB_CACHE", cache);
        env.put("HF_ENDPOINT", hub.url());
        env.put("HOME", dir.resolve("home").toString());
        assertEquals(60, Tasks.load("boolq", null, env).size());
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
        Progress.setQuiet(false);
    }

    static void write(Path file, String select) throws Exception {
        Files.createDirectories(file.getParent());
        w2s.base.Natives.beforeDuckDb();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            w2s.base.Natives.afterDuckDbLoaded();
            st.execute("COPY (" + select + ") TO '" + file.toAbsolutePath() + "' (FORMAT PARQUET)");
        }
    }

    private record Ran(int status, String err) {}

    private static Ran run(String name, String... options) {
        List<String> args = new ArrayList<>(List.of("run", "--weak", "bow", "--strong", "bow", "--cache",
                dir.resolve("cache").toString(), "--out", dir.resolve(name).toString()));
        args.addAll(List.of(options));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new Ran(Main.execute(args.toArray(String[]::new)), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    private static JsonNode metrics(String name) throws Exception {
        return new ObjectMapper().readTree(dir.resolve(name).resolve("metrics.json").toFile());
    }

    @Test
    void aConverterByNameRunsOnItsHubDatasetWithItsCommitInTheProvenance() throws Exception {
        Ran r = run("boolq", "--task", "boolq", "--n-train", "40", "--n-test", "20");
        assertEquals(0, r.status(), r.err());
        JsonNode m = metrics("boolq");
        assertEquals("boolq", m.path("config").path("task").asText());
        String json = m.toString();
        assertTrue(json.contains(commit), "the dataset's commit is in the result");
        assertTrue(json.contains("hf://datasets/google/boolq/default@" + commit), json);
        assertEquals(20, m.path("n_test").asInt(), "the validation split is the test set");

        Ran pinned = run("boolq-pinned", "--task", "boolq", "--revision", commit, "--n-train", "40", "--n-test", "20");
        assertEquals(0, pinned.status(), pinned.err());
        assertEquals("boolq@" + commit, metrics("boolq-pinned").path("config").path("task").asText());
    }

    @Test
    void tasksShowReadsTheCachedDataset() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute("tasks", "show", "boolq", "-n", "2");
        } finally {
            System.setOut(out);
        }
        String shown = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, shown);
        assertTrue(shown.startsWith("boolq: 60 examples (40 / 20)"), shown);
        assertTrue(shown.contains("source: huggingface hf://datasets/google/boolq/default@" + commit), shown);
        assertTrue(shown.contains("parquet: the repo's own files at commit " + commit), shown);
        assertTrue(shown.contains("Passage: item 0 is fine and good\nQuestion: is item 0 fine"), shown);
    }

    @Test
    void anyDatasetWithItsColumnsNamed() throws Exception {
        Ran r = run("hf", "--task", "hf:google/boolq", "--text", "passage", "--label", "answer", "--n-train", "40");
        assertEquals(0, r.status(), r.err());
        JsonNode m = metrics("hf");
        assertEquals("hf:google/boolq;text=passage;label=answer", m.path("config").path("task").asText());
        assertTrue(m.path("weak_accuracy").asDouble() > 0.9, "the passages say their answer: " + m.path("weak_accuracy"));
    }

    @Test
    void theOptionsAreWrittenIntoTheTasksName() {
        assertEquals("hf:org/name:cfg@v2;text=t;label=l",
                RunCommand.hubTask("hf:org/name:cfg", null, "v2", "t", "l", null, null));
        assertEquals("hf:org/name@v2;test=dev;chosen=c;rejected=r",
                RunCommand.hubTask("hf:org/name;test=dev", null, "v2", null, null, "c", "r"));
        assertEquals("sciq@abc", RunCommand.hubTask("sciq", null, "abc", null, null, null, null));
        assertEquals("grammar", RunCommand.hubTask("grammar", null, null, null, null, null, null));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RunCommand.hubTask("sciq", "sciq/", "abc", null, null, null, null)).getMessage()
                .contains("not for --data"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RunCommand.hubTask("sciq@v1", null, "abc", null, null, null, null)).getMessage()
                .contains("give one"));
    }

    @Test
    void badInputIsOneLineAndStatusTwo() {
        Ran unknown = run("bad1", "--task", "boolqq");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("did you mean boolq?"), unknown.err());
        Ran noColumns = run("bad2", "--task", "hf:google/boolq");
        assertEquals(2, noColumns.status());
        assertTrue(noColumns.err().contains("[question, answer, passage]"), noColumns.err());
        Ran notCached = run("bad3", "--task", "sst2");
        assertEquals(2, notCached.status());
        assertTrue(notCached.err().contains("not in the Hugging Face cache") && notCached.err().contains("HF_HUB_OFFLINE"),
                notCached.err());
        Ran columnsForAFile = run("bad4", "--task", "boolq", "--text", "passage");
        assertEquals(2, columnsForAFile.status());
        assertTrue(columnsForAFile.err().contains("hf:ORG/NAME"), columnsForAFile.err());
        for (Ran r : List.of(unknown, noColumns, notCached, columnsForAFile))
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }
}
