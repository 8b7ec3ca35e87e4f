package w2s.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import w2s.base.Progress;
import w2s.hub.FakeHub;
import w2s.hub.HubException;

/**
 * Converters with no --data: each converter's dataset is downloaded from a Hub on loopback ({@link FakeHub}) serving
 * its repo's layout ({@link HubFixtures}), and converted to what the reference formatters give on the same rows; and
 * {@code hf:ORG/NAME} tasks with their columns named.
 */
class HubTasksTest {
    @TempDir
    static Path tmp;
    static FakeHub hub;

    @BeforeAll
    static void serve() throws Exception {
        Progress.setQuiet(true);
        HubFixtures.writeAll(tmp.resolve("hub"));
        hub = new FakeHub(tmp.resolve("hub"));
    }

    @AfterAll
    static void stop() {
        hub.close();
        Progress.setQuiet(false);
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("HF_HUB_CACHE", tmp.resolve("cache").toString());
        env.put("HF_ENDPOINT", hub.url());
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    static Stream<String> converters() {
        return Converters.all().stream().map(Converters.Converter::name);
    }

    /** Every converter, from its Hub repo, gives what the reference formatters give (hf/expected/), ids included. */
    @ParameterizedTest
    @MethodSource("converters")
    void convertsTheHubDatasetLikeTheReference(String name) {
        Task task = Tasks.load(name, null, env());
        List<Example> converted = new ArrayList<>(task.train());
        converted.addAll(task.test());
        List<Row> rows = new ArrayList<>();
        Rows.read(ConvertersTest.fixtures().resolve("expected/" + name + ".jsonl"), rows::add);
        assertEquals(rows.size(), converted.size(), name);
        for (int i = 0; i < rows.size(); i++) {
            Row want = rows.get(i);
            Example got = converted.get(i);
            assertEquals(want.string("id"), got.id());
            assertEquals(want.string("text"), got.text(), got.id());
            assertEquals(want.integer("label"), got.label(), got.id());
            if (want.has("chosen")) assertEquals(new PreferencePair(got.id(), want.string("chosen"),
                    want.string("rejected")), task.pairs().get(i));
        }
        assertEquals(Tasks.load(name, HubFixtures.source(name)).train(), task.train(), "the same as from --data");

        HubFixtures.Layout layout = HubFixtures.LAYOUTS.get(name);
        Provenance p = task.provenance();
        assertEquals("huggingface", p.source());
        String commit = FakeHub.commitOf("datasets/" + layout.repo());
        assertEquals(commit, p.details().get("commit"), "the dataset's commit is recorded");
        assertTrue(p.location().startsWith("hf://datasets/" + layout.repo() + "/") && p.location().endsWith(commit),
                p.location());
        assertTrue(p.details().get("parquet").contains(layout.converted() ? "refs/convert/parquet" : "own files"),
                p.details().get("parquet"));
        assertTrue(p.details().get("files").contains(layout.path().replace("{split}", "")
                .replaceFirst("-00000-of-00001\\.parquet$", "").replace("//0000.parquet", "/")), p.details().get("files"));

        if (!layout.converted()) assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("cache").resolve("datasets--"
                + layout.repo().replace("/", "--")).resolve("snapshots").resolve(commit).resolve("README.md")),
                "the files were found through the card's configs, and the card is kept");

        // Offline, the cache alone serves it.
        assertEquals(task, Tasks.load(name, null, env("HF_HUB_OFFLINE", "1")));
    }

    private static String dataMessage(String task, Map<String, String> env) {
        return assertThrows(DataException.class, () -> Tasks.load(task, null, env)).getMessage();
    }

    private static void assertContains(String haystack, String... needles) {
        for (String n : needles) assertTrue(haystack.contains(n), "expected '" + n + "' in: " + haystack);
    }

    @Test
    void anyDatasetByItsIdWithItsColumnsNamed() {
        Task t = Tasks.load("hf:google/boolq;text=question;label=answer", null, env());
        assertEquals("hf:google/boolq;text=question;label=answer", t.name());
        assertEquals(3, t.train().size());
        assertTrue(t.hasTestSet(), "the validation split is the test set");
        assertTrue(t.test().get(0).id().startsWith("validation:"));
        assertEquals(Tasks.load("boolq", HubFixtures.source("boolq")).train().stream().map(Example::label).toList(),
                t.train().stream().map(Example::label).toList());
        assertEquals("the validation split", t.provenance().details().get("test"));

        Task cola = Tasks.load("hf:nyu-mll/glue:cola@main;text=sentence;label=label", null, env());
        assertEquals("hf:nyu-mll/glue:cola@main;text=sentence;label=label", cola.name());
        assertEquals(cola.name(), Tasks.load("hf:nyu-mll/glue:cola@main;label=label;text=sentence", null, env()).name(),
                "one name whatever the order of the parameters");
        assertEquals("cola", cola.provenance().details().get("config"));

        Task pairs = Tasks.load("hf:Anthropic/hh-rlhf;chosen=chosen;rejected=rejected", null, env());
        assertEquals(pairs.size(), pairs.pairs().size(), "one preference pair per document");
        assertEquals(Tasks.load("anthropic_hh", null, env()).train(), pairs.train(),
                "the same seeded side as the converter shows");

        assertEquals("hf:org/name:cfg@v1;text=t;label=l",
                HubTask.withColumns("hf:org/name:cfg@v1", "t", "l", null, null));
    }

    /** A converter's dataset whose rows do not fit its formatter: the file, row, column and what is there. */
    @Test
    void rowsThatDoNotFitTheFormatterAreNamed() throws Exception {
        Path root = tmp.resolve("odd-hub");
        HubFixtures.query(root.resolve("datasets/google/boolq/data/train-00000-of-00001.parquet"),
                "SELECT 'q' || i AS question, CASE WHEN i = 2 THEN 'maybe' ELSE 'true' END AS answer, 'p' AS passage "
                        + "FROM range(4) t(i)");
        HubFixtures.query(root.resolve("datasets/google/boolq/data/validation-00000-of-00001.parquet"),
                "SELECT 'q' AS question, true AS answer FROM range(2) t(i)");
        try (FakeHub odd = new FakeHub(root)) {
            Map<String, String> env = env("HF_ENDPOINT", odd.url(), "HF_HUB_CACHE", tmp.resolve("odd-cache").toString());
            String label = dataMessage("boolq", env);
            assertContains(label, "train-00000-of-00001.parquet, row index 2", "'answer'", "\"maybe\"");
            HubFixtures.query(root.resolve("datasets/google/boolq/data/train-00000-of-00001.parquet"),
                    "SELECT 'q' || i AS question, i % 2 = 0 AS answer, 'p' AS passage FROM range(4) t(i)");
            Map<String, String> fresh = env("HF_ENDPOINT", odd.url(), "HF_HUB_CACHE", tmp.resolve("odd2").toString());
            assertContains(dataMessage("boolq", fresh), "validation-00000-of-00001.parquet, row index 0",
                    "'passage'", "missing", "[question, answer]");
        }
    }

    @Test
    void badInputSaysWhatExists() {
        assertContains(dataMessage("hf:google/boolq", env()), "--text COLUMN --label COLUMN",
                "[question, answer, passage]");
        assertContains(dataMessage("hf:google/boolq;text=questio;label=answer", env()), "'questio'", "missing",
                "[question, answer, passage]");
        assertContains(dataMessage("hf:google/boolq;text=question;label=passage", env()), "'passage'",
                "expected a binary label");
        assertContains(dataMessage("hf:google/boolq;text=question;colour=answer", env()), "colour=answer",
                "[text, label");
        assertContains(dataMessage("boolqq", env()), "unknown task 'boolqq'", "did you mean boolq?");
        assertContains(dataMessage("ethics-justic", env()), "did you mean ethics_justice?");
        assertContains(dataMessage("google/boolq", env()), "the converter boolq read (--task boolq)",
                "--task hf:google/boolq");
        assertContains(dataMessage("aps/super_glue", env()), "the converters multirc, wic read");

        assertContains(assertThrows(HubException.class, () -> Tasks.load("hf:aps/super_glue;text=a;label=b", null,
                env())).getMessage(), "several configurations", "[multirc, wic]");
        assertContains(assertThrows(HubException.class, () -> Tasks.load("hf:nobody/nothing;text=a;label=b", null,
                env())).getMessage(), "nobody/nothing", "not found");
        assertContains(assertThrows(HubException.class, () -> Tasks.load("boolq@v9", null, env())).getMessage(),
                "Revision 'v9'", "google/boolq");
        assertContains(assertThrows(HubException.class, () -> Tasks.load("hf:google/boolq;text=question;"
                + "label=answer;test=dev", null, env())).getMessage(), "no split dev", "[train, validation]");
        assertContains(assertThrows(HubException.class, () -> Tasks.load("boolq", null, env("HF_HUB_CACHE",
                tmp.resolve("empty").toString(), "HF_HUB_OFFLINE", "1"))).getMessage(), "google/boolq",
                "not in the Hugging Face cache", "huggingface-cli download --repo-type dataset google/boolq");
    }
}
