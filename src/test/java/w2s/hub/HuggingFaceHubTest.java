package w2s.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Progress;

/** The Hugging Face cache layout, and downloads into it from a local stand-in for the Hub ({@link FakeHub}). */
class HuggingFaceHubTest {
    static final String REPO = "tiny-org/tiny-model";
    static final String COMMIT = FakeHub.commitOf(REPO);
    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";
    static final List<String> FILES = List.of("config.json", "tokenizer.json", "tokenizer_config.json",
            "model.safetensors.index.json", SHARD1, SHARD2);

    @TempDir
    Path tmp;
    Path fixtures;
    Path cache;
    FakeHub hub;

    @BeforeEach
    void start() throws Exception {
        Progress.setQuiet(true);
        fixtures = Path.of(HuggingFaceHubTest.class.getResource("/hub").toURI());
        cache = tmp.resolve("cache");
        hub = new FakeHub(fixtures);
    }

    @AfterEach
    void stop() {
        hub.close();
        Progress.setQuiet(false);
    }

    private Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_ENDPOINT", hub.url());
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) env.remove(kv[i]);
            else env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    private HuggingFaceHub hubWith(String... kv) {
        return new HuggingFaceHub(env(kv));
    }

    private Path repoDir() {
        return cache.resolve("models--tiny-org--tiny-model");
    }

    private byte[] fixture(String file) throws IOException {
        return Files.readAllBytes(fixtures.resolve(REPO).resolve(file));
    }

    /** Lays out the fixture repo in the cache by hand, as huggingface_hub would have. */
    private void populateCache(List<String> files) throws IOException {
        Path repo = repoDir();
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("blobs"));
        for (String f : files) {
            byte[] bytes = fixture(f);
            String etag = FakeHub.sha256(bytes);
            Files.write(repo.resolve("blobs").resolve(etag), bytes);
            Files.createSymbolicLink(snap.resolve(f), Path.of("../../blobs/" + etag));
        }
    }

    private static String message(Runnable r) {
        return assertThrows(HubException.class, r::run).getMessage();
    }

    private static void assertContains(String haystack, String... needles) {
        for (String n : needles) assertTrue(haystack.contains(n), () -> "expected '" + n + "' in: " + haystack);
    }

    // ------------------------------------------------------------------------------------------------ the cache

    @Test
    void cacheRootFollowsHuggingFaceHubPrecedence() {
        Map<String, String> env = new HashMap<>(Map.of("HOME", "/h", "XDG_CACHE_HOME", "/xdg", "HF_HOME", "/hf",
                "HF_HUB_CACHE", "/hubcache"));
        assertEquals(Path.of("/hubcache"), new HuggingFaceHub(env).cacheRoot());
        env.remove("HF_HUB_CACHE");
        assertEquals(Path.of("/hf/hub"), new HuggingFaceHub(env).cacheRoot());
        env.remove("HF_HOME");
        assertEquals(Path.of("/xdg/huggingface/hub"), new HuggingFaceHub(env).cacheRoot());
        env.remove("XDG_CACHE_HOME");
        assertEquals(Path.of("/h/.cache/huggingface/hub"), new HuggingFaceHub(env).cacheRoot());
        env.put("HF_HOME", "~/hfhome");
        assertEquals(Path.of("/h/hfhome/hub"), new HuggingFaceHub(env).cacheRoot());
        env.clear();
        assertEquals(Path.of(System.getProperty("user.home"), ".cache/huggingface/hub"),
                new HuggingFaceHub(env).cacheRoot());
    }

    @Test
    void resolvesAPopulatedCacheOfflineWithoutTheNetwork() throws Exception {
        populateCache(List.of("config.json", "tokenizer.json", "model.safetensors.index.json", SHARD1, SHARD2));
        HuggingFaceHub offline = hubWith("HF_HUB_OFFLINE", "1");
        Path snap = repoDir().resolve("snapshots").resolve(COMMIT);
        assertEquals(Optional.of(snap), offline.cached(REPO, "main"));
        assertEquals(snap, offline.resolve(REPO, "main"));
        assertEquals(snap, offline.resolve(REPO, null));
        assertEquals(snap, offline.resolve(REPO, COMMIT));
        assertEquals(snap, hubWith("HF_HUB_OFFLINE", "true").resolve(REPO, "main"));
        assertArrayEquals(fixture(SHARD2), Files.readAllBytes(snap.resolve(SHARD2)));
        assertEquals(Optional.empty(), offline.cached(REPO, "v2"));
        assertEquals(0, hub.requestCount());

        // A shard whose blob is gone makes the snapshot unusable.
        Files.delete(repoDir().resolve("blobs").resolve(FakeHub.sha256(fixture(SHARD1))));
        assertEquals(Optional.empty(), offline.cached(REPO, "main"));
        assertContains(message(() -> offline.resolve(REPO, "main")), SHARD1, "HF_HUB_OFFLINE");
        assertEquals(0, hub.requestCount());
    }

    @Test
    void offlineAndNotCachedSaysHowToDownload() {
        String msg = message(() -> hubWith("HF_HUB_OFFLINE", "1").resolve(REPO, "main"));
        assertContains(msg, REPO, "HF_HUB_OFFLINE", "huggingface-cli download " + REPO, cache.toString());
        assertEquals(0, hub.requestCount());
    }

    @Test
    void anUnreachableHubFallsBackToAUsableCachedSnapshot() throws Exception {
        populateCache(List.of("config.json", "tokenizer.json", "model.safetensors.index.json", SHARD1, SHARD2));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HuggingFaceHub h = hubWith("HF_ENDPOINT", "http://127.0.0.1:" + closedPort);
        assertEquals(repoDir().resolve("snapshots").resolve(COMMIT), h.resolve(REPO, "main"));
        Files.delete(repoDir().resolve("snapshots").resolve(COMMIT).resolve("tokenizer.json"));
        assertContains(message(() -> h.resolve(REPO, "main")), "Could not reach", "HF_HUB_OFFLINE");
    }

    // ------------------------------------------------------------------------------------------------ downloads

    @Test
    void downloadsIntoAnEmptyCacheInHuggingFaceHubsLayout() throws Exception {
        HuggingFaceHub h = hubWith();
        assertEquals(Optional.empty(), h.cached(REPO, "main"));
        Path snap = h.resolve(REPO, "main");
        Path repo = repoDir();
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), snap);
        assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")));
        for (String f : FILES) {
            Path link = snap.resolve(f);
            assertTrue(Files.isSymbolicLink(link), f);
            Path target = Files.readSymbolicLink(link);
            assertFalse(target.isAbsolute(), f);
            assertTrue(target.toString().startsWith("../../blobs/"), target.toString());
            assertArrayEquals(fixture(f), Files.readAllBytes(link), f);
        }
        assertEquals("../../blobs/" + FakeHub.sha256(fixture(SHARD1)), Files.readSymbolicLink(snap.resolve(SHARD1))
                .toString());
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(COMMIT).resolve("generation_config.json")));
        assertFalse(Files.exists(snap.resolve("generation_config.json")));
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            List<String> names = blobs.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertEquals(FILES.size(), names.size(), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".incomplete")), names.toString());
        }

        int before = hub.requestCount();
        assertTrue(before > 0);
        assertEquals(snap, h.resolve(REPO, "main"));
        assertEquals(snap, h.resolve(REPO, COMMIT));
        assertEquals(snap, hubWith().resolve(REPO, "main"));
        assertEquals(Optional.of(snap), h.cached(REPO, "main"));
        assertEquals(snap, hubWith("HF_HUB_OFFLINE", "1").resolve(REPO, "main"));
        assertEquals(before, hub.requestCount(), "a cached model makes no requests");
    }

    @Test
    void aCacheFilledByOtherToolsIsCompletedAtItsOwnCommitNotAtTheMovedBranch() throws Exception {
        // Python tools fetched main at an older commit, without the optional files; main has moved on since.
        String older = "0123456789abcdef0123456789abcdef01234567";
        hub.olderCommits.add(older);
        populateCache(List.of("config.json", "tokenizer.json", "model.safetensors.index.json", SHARD1, SHARD2));
        Path repo = repoDir();
        Files.move(repo.resolve("snapshots").resolve(COMMIT), repo.resolve("snapshots").resolve(older));
        Files.writeString(repo.resolve("refs/main"), older);

        Path snap = hubWith().resolve(REPO, "main");
        assertEquals(repo.resolve("snapshots").resolve(older), snap);
        assertEquals(older, Files.readString(repo.resolve("refs/main")));
        assertTrue(Files.isRegularFile(snap.resolve("tokenizer_config.json")));
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(older).resolve("generation_config.json")));
        assertTrue(hub.requests().stream().noneMatch(q -> q.path().contains("/resolve/main/")
                || q.path().contains(SHARD1)), hub.requests().toString());
        int before = hub.requestCount();
        assertEquals(snap, hubWith().resolve(REPO, "main"));
        assertEquals(before, hub.requestCount());
    }

    @Test
    void aFailureWhileFetchingOptionalFilesStillGivesTheUsableSnapshot() throws Exception {
        populateCache(List.of("config.json", "tokenizer.json", "model.safetensors.index.json", SHARD1, SHARD2));
        hub.gated.add(REPO);
        assertEquals(repoDir().resolve("snapshots").resolve(COMMIT), hubWith().resolve(REPO, "main"));
    }

    @Test
    void aSingleFileCheckpointWithAGenerationConfig() throws Exception {
        String id = "tiny-org/single-model";
        Path snap = hubWith().resolve(id, "main");
        Path repo = cache.resolve("models--tiny-org--single-model");
        assertEquals(repo.resolve("snapshots").resolve(FakeHub.commitOf(id)), snap);
        for (String f : List.of("config.json", "tokenizer.json", "generation_config.json", "model.safetensors"))
            assertArrayEquals(Files.readAllBytes(fixtures.resolve(id).resolve(f)), Files.readAllBytes(snap.resolve(f)));
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(FakeHub.commitOf(id)).resolve(
                "tokenizer_config.json")));
        assertFalse(Files.exists(snap.resolve("model.safetensors.index.json")));
        assertTrue(hub.requests().stream().noneMatch(q -> q.path().endsWith("model.safetensors.index.json")));
    }

    @Test
    void aRenamedRepoIsFollowedWithItsTokenAndCachedUnderTheNameAskedFor() {
        hub.renamed.put("old-org/tiny-model", REPO);
        hub.gated.add(REPO);
        Path snap = hubWith("HF_TOKEN", FakeHub.TOKEN).resolve("old-org/tiny-model", "main");
        assertEquals(cache.resolve("models--old-org--tiny-model/snapshots").resolve(COMMIT), snap);
        assertTrue(Files.isRegularFile(snap.resolve(SHARD2)));
        assertTrue(hub.requests().stream().anyMatch(q -> q.path().startsWith("/old-org/")));
    }

    @Test
    void aCommitHashRevisionDownloadsWithoutWritingARef() {
        Path snap = hubWith().resolve(REPO, COMMIT);
        assertEquals(repoDir().resolve("snapshots").resolve(COMMIT), snap);
        assertFalse(Files.exists(repoDir().resolve("refs").resolve(COMMIT)));
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        assertTrue(hub.requests().stream().filter(q -> q.path().contains("/resolve/"))
                .allMatch(q -> q.path().contains("/resolve/" + COMMIT + "/")));
    }

    @Test
    void onlyTheFirstRequestNamesTheBranchTheRestUseItsCommit() {
        hubWith().resolve(REPO, "main");
        List<FakeHub.Request> resolves = hub.requests().stream().filter(q -> q.path().contains("/resolve/"))
                .collect(Collectors.toList());
        assertEquals("/" + REPO + "/resolve/main/config.json", resolves.get(0).path());
        assertTrue(resolves.subList(1, resolves.size()).stream()
                .allMatch(q -> q.path().contains("/resolve/" + COMMIT + "/")), resolves.toString());
    }

    @Test
    void theTokenGoesToTheHubButNotToTheStorageHost() {
        hub.gated.add(REPO);
        Path snap = hubWith("HF_TOKEN", FakeHub.TOKEN).resolve(REPO, "main");
        assertTrue(Files.isRegularFile(snap.resolve(SHARD1)));
        List<FakeHub.Request> all = hub.requests();
        assertTrue(all.stream().anyMatch(q -> q.path().startsWith("/cdn/")));
        for (FakeHub.Request q : all) {
            if (q.path().startsWith("/cdn/")) assertNull(q.authorization(), q.toString());
            else assertEquals("Bearer " + FakeHub.TOKEN, q.authorization(), q.toString());
        }
    }

    @Test
    void theLegacyTokenVariableAndTheLoginTokenFileAreUsed() throws Exception {
        hub.gated.add(REPO);
        assertTrue(Files.isDirectory(hubWith("HUGGING_FACE_HUB_TOKEN", FakeHub.TOKEN).resolve(REPO, "main")));
        cache = tmp.resolve("cache2");
        Path hfHome = Files.createDirectories(tmp.resolve("hfhome"));
        Files.writeString(hfHome.resolve("token"), FakeHub.TOKEN + "\n");
        assertTrue(Files.isDirectory(hubWith("HF_HUB_CACHE", null, "HF_HOME", hfHome.toString())
                .resolve(REPO, "main")));
        assertTrue(Files.isDirectory(hfHome.resolve("hub/models--tiny-org--tiny-model/snapshots")));
    }

    @Test
    void aGatedModelWithoutATokenSaysToSetHfToken() {
        hub.gated.add(REPO);
        String msg = message(() -> hubWith().resolve(REPO, "main"));
        assertContains(msg, REPO, "HF_TOKEN", hub.url() + "/" + REPO, "licence");
        String wrong = message(() -> hubWith("HF_TOKEN", "hf_wrong").resolve(REPO, "main"));
        assertContains(wrong, "HF_TOKEN", "refused");
    }

    @Test
    void missingReposRevisionsAndFilesAreNamed() {
        assertContains(message(() -> hubWith().resolve("tiny-org/no-such-model", "main")), "tiny-org/no-such-model",
                "not found", "HF_TOKEN");
        assertContains(message(() -> hubWith().resolve(REPO, "v9")), "'v9'", REPO, "not found");
        assertContains(message(() -> hubWith().resolve("not a repo id", "main")), "not a valid");
        assertContains(message(() -> hubWith().resolve(REPO, "../../etc")), "not a valid revision");
        hub.hidden.add("tokenizer.json");
        assertContains(message(() -> hubWith().resolve(REPO, "main")), "tokenizer.json", REPO);
        assertEquals(Optional.empty(), hubWith().cached(REPO, "main"));
    }

    /** Issue 22 item 7: an ETag of . or .. names the blobs folder or its parent, never a blob; it is refused. */
    @Test
    void anEtagThatIsNotAFileNameIsRefused() throws IOException {
        for (String etag : List.of(".", "..")) {
            hub.etags.put("config.json", etag);
            assertContains(message(() -> hubWith().resolve(REPO, "main")), "a usable ETag", "config.json");
            assertEquals(Optional.empty(), hubWith().cached(REPO, "main"));
        }
        if (Files.isDirectory(repoDir().resolve("blobs"))) {
            try (var blobs = Files.list(repoDir().resolve("blobs"))) {
                assertTrue(blobs.noneMatch(b -> b.getFileName().toString().startsWith(".")), "no ./.. leftovers");
            }
        }
        hub.etags.clear();
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve("config.json")));
    }

    @Test
    void aShardNamedInTheIndexThatIsMissingIsAnError() {
        hub.hidden.add(SHARD2);
        String msg = message(() -> hubWith().resolve(REPO, "main"));
        assertContains(msg, SHARD2, "model.safetensors.index.json", "404");
        assertEquals(Optional.empty(), hubWith().cached(REPO, "main"));
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
        hub.hidden.clear();
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve(SHARD2)));
    }

    @Test
    void aPytorchBinOnlyCheckpointIsRefusedWithAConversionHint() {
        String msg = message(() -> hubWith().resolve("tiny-org/bin-only-model", "main"));
        assertContains(msg, "tiny-org/bin-only-model", "pytorch_model.bin", "safetensors", "safe_serialization=True",
                "safetensors/convert");
        assertTrue(hub.requests().stream().noneMatch(q -> q.method().equals("GET") && q.path().endsWith(".bin")),
                "the .bin file is not downloaded");
    }

    // ------------------------------------------------------------------------------------------------ bad downloads

    @Test
    void anInterruptedDownloadKeepsItsPartAndTheRerunResumesIt() throws Exception {
        hub.truncateOnce.add(SHARD1);
        String msg = message(() -> hubWith().resolve(REPO, "main"));
        assertContains(msg, SHARD1, REPO, "interrupted", "run the same command again", ".incomplete");
        byte[] full = fixture(SHARD1);
        String sha = FakeHub.sha256(full);
        Path part = repoDir().resolve("blobs").resolve(sha + ".incomplete");
        assertEquals(full.length / 2, Files.size(part));
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(COMMIT).resolve(SHARD1),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(Optional.empty(), hubWith().cached(REPO, "main"));

        Path snap = hubWith().resolve(REPO, "main");
        assertTrue(hub.requests().stream().anyMatch(q -> q.path().equals("/cdn/" + sha)
                && ("bytes=" + full.length / 2 + "-").equals(q.range())), "the rerun asks for the rest only");
        assertArrayEquals(full, Files.readAllBytes(snap.resolve(SHARD1)));
        assertEquals(sha, FakeHub.sha256(Files.readAllBytes(repoDir().resolve("blobs").resolve(sha))));
        assertFalse(Files.exists(part));
    }

    @Test
    void aServerThatIgnoresRangeRestartsTheDownload() throws Exception {
        byte[] full = fixture(SHARD2);
        String sha = FakeHub.sha256(full);
        Path blobs = Files.createDirectories(repoDir().resolve("blobs"));
        Files.write(blobs.resolve(sha + ".incomplete"), Arrays.copyOf(full, full.length / 3));
        hub.ignoreRange = true;
        Path snap = hubWith().resolve(REPO, "main");
        assertTrue(hub.requests().stream().anyMatch(q -> q.path().equals("/cdn/" + sha) && q.range() != null));
        assertArrayEquals(full, Files.readAllBytes(snap.resolve(SHARD2)));
    }

    @Test
    void aPartFileWithWrongBytesFailsTheChecksumAndIsDeleted() throws Exception {
        byte[] full = fixture(SHARD2);
        String sha = FakeHub.sha256(full);
        Path blobs = Files.createDirectories(repoDir().resolve("blobs"));
        byte[] wrong = Arrays.copyOf(full, full.length / 2);
        wrong[3] ^= 1;
        Files.write(blobs.resolve(sha + ".incomplete"), wrong);
        assertContains(message(() -> hubWith().resolve(REPO, "main")), "sha256", SHARD2, "deleted");
        assertFalse(Files.exists(blobs.resolve(sha + ".incomplete")));
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve(SHARD2)));
    }

    @Test
    void aCorruptDownloadIsDeletedAndNeverLinked() throws Exception {
        hub.corrupt.add(SHARD2);
        String msg = message(() -> hubWith().resolve(REPO, "main"));
        assertContains(msg, "sha256", SHARD2, REPO, "deleted", "run again");
        String sha = FakeHub.sha256(fixture(SHARD2));
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(sha + ".incomplete")));
        assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(COMMIT).resolve(SHARD2),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(Optional.empty(), hubWith().cached(REPO, "main"));
        hub.corrupt.clear();
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve(SHARD2)));
    }

    @Test
    void aStalledDownloadTimesOutAndResumes() throws Exception {
        hub.stallOnce.add(SHARD1);
        hub.stallMillis = 10_000;
        long t0 = System.nanoTime();
        String msg = message(() -> hubWith("HF_HUB_DOWNLOAD_TIMEOUT", "1").resolve(REPO, "main"));
        assertTrue(System.nanoTime() - t0 < 8_000_000_000L, "gave up before the server woke");
        assertContains(msg, SHARD1, "no data for", "run the same command again");
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve(SHARD1)));
    }

    /** A server that sends a little every few seconds never stalls, but the whole transfer has a deadline. */
    @Test
    void aTrickleMeetsTheDeadlineAndResumes() throws Exception {
        hub.trickleOnce.add(SHARD1);
        long t0 = System.nanoTime();
        String msg = message(() -> hubWith("W2S_DOWNLOAD_DEADLINE", "1.5").resolve(REPO, "main"));
        assertTrue(System.nanoTime() - t0 < 8_000_000_000L, "gave up at the deadline, not when the trickle ended");
        assertContains(msg, SHARD1, "not finished within 1 s", "W2S_DOWNLOAD_DEADLINE", "run the same command again");
        assertTrue(Files.isRegularFile(hubWith().resolve(REPO, "main").resolve(SHARD1)));
        // Without the variable: five minutes plus the size at 100 KiB/s.
        assertEquals(java.time.Duration.ofSeconds(300 + 10), new HubTransfer(Map.of(), new HubCache(tmp))
                .deadline(1_024_000));
    }

    // ------------------------------------------------------------------------------------------------ ids and paths

    @Test
    void tellsHubIdsFromLocalPaths() throws Exception {
        assertTrue(HuggingFaceHub.looksLikeRepoId("gpt2"));
        assertTrue(HuggingFaceHub.looksLikeRepoId("EleutherAI/pythia-70m"));
        assertTrue(HuggingFaceHub.looksLikeRepoId("Qwen/Qwen2.5-0.5B"));
        assertFalse(HuggingFaceHub.looksLikeRepoId(tmp.toString()));
        assertFalse(HuggingFaceHub.looksLikeRepoId("a/b/c"));
        assertFalse(HuggingFaceHub.looksLikeRepoId("./model"));
        assertFalse(HuggingFaceHub.looksLikeRepoId("org--x/y"));
        assertFalse(HuggingFaceHub.looksLikeRepoId(""));
        assertFalse(HuggingFaceHub.looksLikeRepoId("-bad"));

        Path folder = Files.createDirectories(tmp.resolve("my-model"));
        assertEquals(folder, HuggingFaceHub.modelFolder(folder.toString(), null));
        Path file = Files.writeString(tmp.resolve("model.onnx"), "x");
        assertContains(message(() -> HuggingFaceHub.modelFolder(file.toString(), null)), "not a model folder");
        assertContains(message(() -> HuggingFaceHub.modelFolder(tmp.resolve("a/b/c").toString(), null)),
                "No model folder");
    }

    @Test
    void proxiesComeFromTheEnvironmentLikePythonsRequests() {
        java.net.ProxySelector ps = new HubTransfer(Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
                "NO_PROXY", "localhost,.internal.corp"), new HubCache(tmp)).proxySelector();
        assertEquals("proxy.corp:3128", ps.select(java.net.URI.create("https://huggingface.co/x")).get(0).address()
                .toString().replace("/<unresolved>", ""));
        assertEquals(java.net.Proxy.NO_PROXY, ps.select(java.net.URI.create("https://hub.internal.corp/x")).get(0));
        assertEquals(java.net.Proxy.NO_PROXY, ps.select(java.net.URI.create("http://localhost:8080/x")).get(0));
        assertEquals(java.net.Proxy.NO_PROXY, ps.select(java.net.URI.create("http://huggingface.co/x")).get(0));
    }

    @Test
    void shardsAreReadFromTheIndex() throws Exception {
        assertEquals(List.of(SHARD1, SHARD2), HuggingFaceHub.shards(new String(fixture("model.safetensors.index.json"),
                StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> HuggingFaceHub.shards("{\"weight_map\":{\"a\":\"../../x\"}}"));
        assertThrows(IOException.class, () -> HuggingFaceHub.shards("{}"));
    }
}
