package w2s.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Progress;

/**
 * Datasets from a stand-in for the Hub on loopback ({@link FakeHub}): a repo with its own Parquet files
 * ({@code google/boolq}'s {@code data/train-00000-of-00001.parquet}) and one with only a loading script, read from the
 * Hub's Parquet conversion ({@code refs/convert/parquet}); offline reuse, resume, gated access, bad names.
 */
class HubDatasetsTest {
    static final String BOOLQ = "google/boolq";
    static final String SCRIPTED = "allenai/social_i_qa";
    static final String TRAIN = "data/train-00000-of-00001.parquet";

    @TempDir
    Path tmp;
    Path cache;
    FakeHub hub;

    @BeforeEach
    void start() throws Exception {
        Progress.setQuiet(true);
        Path root = tmp.resolve("hub");
        Path boolq = root.resolve("datasets/" + BOOLQ);
        parquet(boolq.resolve(TRAIN), "SELECT 'question ' || i AS question, i % 2 = 0 AS answer, 'passage ' || i AS "
                + "passage FROM range(30) t(i)");
        parquet(boolq.resolve("data/validation-00000-of-00001.parquet"), "SELECT 'question v' || i AS question, "
                + "i % 3 = 0 AS answer, 'passage v' || i AS passage FROM range(12) t(i)");
        Files.writeString(boolq.resolve("README.md"), "---\nlicense: cc-by-sa-3.0\n---\n");
        Path scripted = root.resolve("datasets/" + SCRIPTED);
        Files.createDirectories(scripted);
        Files.writeString(scripted.resolve("social_i_qa.py"), "# a loading script\n");
        Path conv = FakeHub.conversionOf(scripted);
        for (String split : List.of("train", "validation"))
            parquet(conv.resolve("default/" + split + "/0000.parquet"), "SELECT 'context ' || i AS context, "
                    + "'q' AS question, 'a' AS answerA, 'b' AS answerB, 'c' AS answerC, CAST(1 + i % 3 AS VARCHAR) AS "
                    + "label FROM range(9) t(i)");
        cache = tmp.resolve("cache");
        hub = new FakeHub(root);
    }

    @AfterEach
    void stop() {
        hub.close();
        Progress.setQuiet(false);
    }

    /** Writes the rows of a DuckDB query as a Parquet file, as the Hub's files are written. */
    static void parquet(Path file, String select) throws Exception {
        Files.createDirectories(file.getParent());
        w2s.base.Natives.beforeDuckDb();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            w2s.base.Natives.afterDuckDbLoaded();
            st.execute("COPY (" + select + ") TO '" + file.toAbsolutePath().toString().replace("'", "''")
                    + "' (FORMAT PARQUET)");
        }
    }

    private HubDatasets datasets(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_ENDPOINT", hub.url());
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return new HubDatasets(env);
    }

    private static String message(Runnable r) {
        return assertThrows(HubException.class, r::run).getMessage();
    }

    private static void assertContains(String haystack, String... needles) {
        for (String n : needles) assertTrue(haystack.contains(n), "expected '" + n + "' in: " + haystack);
    }

    private Path repoDir(String id) {
        return cache.resolve("datasets--" + id.replace("/", "--"));
    }

    @Test
    void downloadsTheRepoParquetFilesInHuggingFaceHubsLayoutAndReusesThemOffline() throws Exception {
        HubDatasets.Snapshot s = datasets().resolve(BOOLQ, null, null, List.of("train", "validation"), List.of());
        String commit = FakeHub.commitOf("datasets/" + BOOLQ);
        assertEquals(commit, s.commit());
        assertEquals(commit, s.datasetCommit());
        assertFalse(s.converted());
        assertEquals("default", s.config());
        assertEquals(List.of(TRAIN), s.splits().get("train"));
        Path train = repoDir(BOOLQ).resolve("snapshots").resolve(commit).resolve(TRAIN);
        assertEquals(train, s.files("train").get(0));
        assertTrue(Files.isSymbolicLink(train), "snapshots link to blobs, as huggingface_hub does");
        Path blob = train.getParent().resolve(Files.readSymbolicLink(train)).normalize();
        assertEquals(repoDir(BOOLQ).resolve("blobs"), blob.getParent());
        assertEquals(FakeHub.sha256(Files.readAllBytes(train)), blob.getFileName().toString(), "blob named by sha256");
        assertEquals(commit, Files.readString(repoDir(BOOLQ).resolve("refs/main")));
        assertFalse(Files.exists(repoDir(BOOLQ).resolve("snapshots").resolve(commit).resolve("README.md")),
                "only the data files asked for");

        int asked = hub.requestCount();
        HubDatasets.Snapshot again = datasets("HF_HUB_OFFLINE", "1").resolve(BOOLQ, null, null,
                List.of("train", "validation"), List.of());
        assertEquals(s, again);
        assertEquals(s, datasets().resolve(BOOLQ, null, "main", List.of("train", "validation"), List.of()));
        assertEquals(asked, hub.requestCount(), "a cached snapshot is used without the network");
    }

    @Test
    void aRepoWithOnlyALoadingScriptIsReadFromTheParquetConversion() throws Exception {
        HubDatasets.Snapshot s = datasets().resolve(SCRIPTED, null, null, List.of("train", "validation"), List.of());
        assertTrue(s.converted());
        String conv = FakeHub.commitOf("datasets/" + SCRIPTED + "@" + HubDatasets.CONVERSION);
        assertEquals(conv, s.commit());
        assertEquals(FakeHub.commitOf("datasets/" + SCRIPTED), s.datasetCommit(), "the dataset's own commit too");
        assertEquals(List.of("default/train/0000.parquet"), s.splits().get("train"));
        assertEquals(conv, Files.readString(repoDir(SCRIPTED).resolve("refs/refs/convert/parquet")));
        assertTrue(hub.requests().stream().anyMatch(q -> q.path().contains("/resolve/refs%2Fconvert%2Fparquet/")
                || q.path().contains("/resolve/" + conv + "/")));

        HubDatasets.Snapshot offline = datasets("HF_HUB_OFFLINE", "1").resolve(SCRIPTED, null, null,
                List.of("train", "validation"), List.of());
        assertEquals(s, offline);
    }

    /** A card's configs say where the data files are, wherever they are; the snapshot keeps the card for offline. */
    @Test
    void aDatasetCardsConfigsPlaceTheFiles() throws Exception {
        Path repo = tmp.resolve("hub/datasets/org/carded");
        for (String f : List.of("glue/cola/training-a.parquet", "glue/cola/training-b.parquet", "glue/cola/dev.parquet",
                "glue/sst2/train-00000-of-00001.parquet"))
            parquet(repo.resolve(f), "SELECT 'text' AS sentence, 1 AS label");
        Files.writeString(repo.resolve("README.md"), "---\nconfigs:\n- config_name: cola\n  data_files:\n"
                + "  - split: train\n    path: glue/cola/training-*.parquet\n  - split: validation\n"
                + "    path: [glue/cola/dev.parquet]\n- config_name: sst2\n  data_files: glue/sst2/*.parquet\n---\n# Card\n");
        HubDatasets.Snapshot s = datasets().resolve("org/carded", "cola", null, List.of("train", "validation"),
                List.of());
        assertEquals(Map.of("train", List.of("glue/cola/training-a.parquet", "glue/cola/training-b.parquet"),
                "validation", List.of("glue/cola/dev.parquet")), s.splits());
        assertTrue(Files.isRegularFile(s.folder().resolve("README.md")), "the card is kept with the files");
        assertEquals(s, datasets("HF_HUB_OFFLINE", "1").resolve("org/carded", "cola", null,
                List.of("train", "validation"), List.of()));
        assertContains(message(() -> datasets().resolve("org/carded", null, null, List.of("train"), List.of())),
                "several configurations", "[cola, sst2]");
        assertEquals(List.of("glue/sst2/train-00000-of-00001.parquet"), datasets().resolve("org/carded", "sst2", null,
                List.of("train"), List.of()).splits().get("train"));
    }

    @Test
    void offlineAndNotCachedSaysTheDatasetIsNotCachedAndHowToFetchIt() {
        String msg = message(() -> datasets("HF_HUB_OFFLINE", "1").resolve(BOOLQ, null, null, List.of("train"),
                List.of()));
        assertContains(msg, BOOLQ, "not in the Hugging Face cache", "HF_HUB_OFFLINE",
                "huggingface-cli download --repo-type dataset " + BOOLQ);
        assertEquals(0, hub.requestCount());
    }

    @Test
    void anInterruptedDownloadUsesNothingPartialAndTheRerunResumesIt() throws Exception {
        hub.truncateOnce.add("train-00000-of-00001.parquet");
        String msg = message(() -> datasets().resolve(BOOLQ, null, null, List.of("train", "validation"), List.of()));
        assertContains(msg, TRAIN, "interrupted", "run the same command again");
        String commit = FakeHub.commitOf("datasets/" + BOOLQ);
        assertFalse(Files.exists(repoDir(BOOLQ).resolve("snapshots").resolve(commit), LinkOption.NOFOLLOW_LINKS),
                "no file is linked before every one is whole");
        assertFalse(Files.exists(repoDir(BOOLQ).resolve("refs/main")));
        assertTrue(message(() -> datasets("HF_HUB_OFFLINE", "1").resolve(BOOLQ, null, null, List.of("train"),
                List.of())).contains("not in the Hugging Face cache"));

        HubDatasets.Snapshot s = datasets().resolve(BOOLQ, null, null, List.of("train", "validation"), List.of());
        assertTrue(hub.requests().stream().anyMatch(q -> q.range() != null), "the rerun asks for the rest only");
        assertEquals(FakeHub.sha256(Files.readAllBytes(tmp.resolve("hub/datasets/" + BOOLQ).resolve(TRAIN))),
                FakeHub.sha256(Files.readAllBytes(s.files("train").get(0))));
    }

    @Test
    void aCorruptDownloadIsDeletedAndNeverUsed() throws Exception {
        hub.corrupt.add("validation-00000-of-00001.parquet");
        assertContains(message(() -> datasets().resolve(BOOLQ, null, null, List.of("train", "validation"), List.of())),
                "validation-00000-of-00001.parquet", "corrupt", "sha256");
        String commit = FakeHub.commitOf("datasets/" + BOOLQ);
        assertFalse(Files.exists(repoDir(BOOLQ).resolve("snapshots").resolve(commit), LinkOption.NOFOLLOW_LINKS),
                "not even the good file is linked");
        hub.corrupt.clear();
        HubDatasets.Snapshot s = datasets().resolve(BOOLQ, null, null, List.of("train", "validation"), List.of());
        assertEquals(FakeHub.sha256(Files.readAllBytes(tmp.resolve("hub/datasets/" + BOOLQ)
                .resolve("data/validation-00000-of-00001.parquet"))), FakeHub.sha256(Files.readAllBytes(
                s.files("validation").get(0))));
    }

    @Test
    void aGatedDatasetNeedsAToken() throws Exception {
        hub.gated.add("datasets/" + BOOLQ);
        String msg = message(() -> datasets().resolve(BOOLQ, null, null, List.of("train"), List.of()));
        assertContains(msg, BOOLQ, "gated", "HF_TOKEN", "401");
        assertFalse(Files.exists(repoDir(BOOLQ).resolve("refs/main")));
        HubDatasets.Snapshot s = datasets("HF_TOKEN", FakeHub.TOKEN).resolve(BOOLQ, null, null, List.of("train"),
                List.of());
        assertTrue(Files.isRegularFile(s.files("train").get(0)));
        assertTrue(hub.requests().stream().filter(q -> q.path().startsWith("/cdn/"))
                .allMatch(q -> q.authorization() == null), "no token to the storage host");
    }

    @Test
    void anUnreachableHubSaysSoUnlessTheCacheServes() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + closed;
        assertContains(message(() -> datasets("HF_ENDPOINT", endpoint).resolve(BOOLQ, null, null, List.of("train"),
                List.of())), "Could not reach the Hugging Face Hub", BOOLQ, "HF_HUB_OFFLINE=1");
        HubDatasets.Snapshot s = datasets().resolve(BOOLQ, null, null, List.of("train"), List.of());
        assertEquals(s, datasets("HF_ENDPOINT", endpoint).resolve(BOOLQ, null, null, List.of("train"), List.of()));
    }

    @Test
    void badNamesConfigsSplitsAndRevisionsSayWhatExists() {
        assertContains(message(() -> datasets().resolve("nobody/nothing", null, null, List.of("train"), List.of())),
                "nobody/nothing", "not found");
        assertContains(message(() -> datasets().resolve(BOOLQ, null, null, List.of("train", "test"), List.of())),
                "no split test", "[train, validation]");
        assertContains(message(() -> datasets().resolve(BOOLQ, "nope", null, List.of("train"), List.of())),
                "configuration 'nope'", "[default]");
        assertContains(message(() -> datasets().resolve(BOOLQ, null, "v9", List.of("train"), List.of())),
                "Revision 'v9'", BOOLQ);
        assertContains(message(() -> datasets().resolve("not a name", null, null, List.of("train"), List.of())),
                "not a valid Hugging Face dataset id");
    }

    @Test
    void theHubsFileConventionsPlaceConfigsAndSplits() {
        assertEquals(new HubDatasets.Place("default", "train"), HubDatasets.place(TRAIN, false));
        assertEquals(new HubDatasets.Place("cola", "validation"),
                HubDatasets.place("cola/validation-00000-of-00001.parquet", false));
        assertEquals(new HubDatasets.Place("plain_text", "train_r2"),
                HubDatasets.place("plain_text/train_r2-00000-of-00001-0123abcd.parquet", false));
        assertEquals(new HubDatasets.Place("default", "test"), HubDatasets.place("test/0000.parquet", false));
        assertEquals(new HubDatasets.Place("default", "train"), HubDatasets.place("train.parquet", false));
        assertEquals(new HubDatasets.Place("deontology", "test"),
                HubDatasets.place("deontology/test/0000.parquet", true));
        assertNull(HubDatasets.place("data/train.jsonl.gz", false));
        assertEquals(List.of("default/partial-train/0000.parquet"), HubDatasets.pickSplits(HubDatasets.layout(
                List.of("default/partial-train/0000.parquet", "default/test/0000.parquet"), true).get("default"),
                List.of("train"), List.of()).get("train"), "a large split's partial conversion stands in for it");
        assertFalse(HubDatasets.complete(List.of("a/train-00000-of-00002.parquet")), "a missing shard");
        assertTrue(HubDatasets.complete(List.of("a/train-00000-of-00002.parquet", "a/train-00001-of-00002.parquet")));
    }
}
