package w2s.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards split cells by key, for good; claims let exactly one worker run a cell, and dead workers' claims expire. */
class ClaimsTest {
    @TempDir
    Path dir;

    static String key(int i) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(("cell " + i).getBytes()));
    }

    @Test
    void shardsSplitCellsDisjointlyAndWithinOneCell() throws Exception {
        for (int cells : new int[] {1, 5, 24, 3000}) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < cells; i++) keys.add(key(i));
            for (int n : new int[] {1, 2, 3, 4, 7, 64}) {
                int[] sizes = new int[n];
                Set<String> seen = new HashSet<>();
                for (int s = 0; s < n; s++) {
                    Set<String> mine = new Shard(s, n).cells(keys);
                    sizes[s] = mine.size();
                    for (String k : mine) assertTrue(seen.add(k), "each cell in one shard of " + n);
                    // Every worker computes the same split, whatever order it lists the cells in.
                    List<String> shuffled = new ArrayList<>(keys);
                    Collections.shuffle(shuffled, new java.util.Random(s));
                    assertEquals(mine, new Shard(s, n).cells(shuffled));
                }
                assertEquals(cells, seen.size());
                int min = Arrays.stream(sizes).min().getAsInt(), max = Arrays.stream(sizes).max().getAsInt();
                assertTrue(max - min <= 1, cells + " cells over " + n + " shards: " + Arrays.toString(sizes));
            }
        }
        assertEquals(new Shard(2, 3), Shard.parse("2/3"));
        assertEquals(new Shard(0, 1), Shard.parse(" 0/1 "));
        for (String bad : new String[] {"3/3", "4/3", "-1/3", "1/0", "0/0", "1", "a/b", "1/2/3", "", "1 / 2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shard.parse(bad), bad);
            assertTrue(e.getMessage().contains("--shard"), e.getMessage());
        }
    }

    @Test
    void concurrentClaimersTakeEachCellExactlyOnce() throws Exception {
        int workers = 8;
        int cells = 150;
        List<Claims> all = new ArrayList<>();
        for (int w = 0; w < workers; w++) all.add(Claims.open(dir));
        Map<String, AtomicInteger> taken = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Claims c : all) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < cells; i++) {
                        String k = key(i);
                        if (c.tryClaim(k)) taken.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(cells, taken.size());
        taken.forEach((k, n) -> assertEquals(1, n.get(), k));
        assertEquals(cells, all.get(0).live().size());
        // Released on close: every cell is free again.
        all.forEach(Claims::close);
        assertEquals(Map.of(), Claims.reader(dir).live());
        try (Claims again = Claims.open(dir)) {
            assertTrue(again.tryClaim(key(0)));
        }
    }

    @Test
    void claimsOfDeadProcessesOnThisHostAreStaleAndOfLiveOnesNot() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Process alive = new ProcessBuilder("sleep", "60").start();
        try (Claims claims = Claims.open(dir)) {
            writeClaim(key(1), Claims.hostId(), gone.pid(), 0);
            writeClaim(key(2), Claims.hostId(), alive.pid(),
                    alive.info().startInstant().orElseThrow().toEpochMilli());
            // The pid is alive, but the process started long after the claim's holder: the pid was reused.
            writeClaim(key(3), Claims.hostId(), alive.pid(), Instant.now().minusSeconds(3600).toEpochMilli());
            assertEquals(List.of(key(2)), new ArrayList<>(claims.live().keySet()));
            assertTrue(claims.tryClaim(key(1)), "a dead worker's claim is taken over");
            assertFalse(claims.tryClaim(key(2)), "a live worker keeps its claim");
            assertTrue(claims.tryClaim(key(3)), "a reused pid does not keep a claim alive");
            Claims.Holder h = Claims.read(dir.resolve(".claims").resolve(key(1))).orElseThrow();
            assertEquals(ProcessHandle.current().pid(), h.pid());
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void claimsFromOtherHostsExpireWithoutAHeartbeat() throws Exception {
        try (Claims claims = Claims.open(dir, Claims.EXCLUSIVE, Duration.ofMinutes(5), Duration.ofMillis(100))) {
            Path fresh = writeClaim(key(1), "node17 4026531836", 4242, 0);
            Path old = writeClaim(key(2), "node17 4026531836", 4242, 0);
            Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofMinutes(6))));
            // A claim cut short by a crash (empty) counts by its age like any other.
            Path empty = dir.resolve(".claims").resolve(key(3));
            Files.write(empty, new byte[0]);
            Files.setLastModifiedTime(empty, FileTime.from(Instant.now().minus(Duration.ofMinutes(6))));
            assertFalse(claims.tryClaim(key(1)));
            assertTrue(claims.tryClaim(key(2)));
            assertTrue(claims.tryClaim(key(3)));
            // This worker's own claims are kept fresh while it runs.
            Path mine = dir.resolve(".claims").resolve(key(2));
            Files.setLastModifiedTime(mine, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));
            long deadline = System.currentTimeMillis() + 10_000;
            while (Duration.between(Files.getLastModifiedTime(mine).toInstant(), Instant.now()).toMinutes() > 1
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Duration.between(Files.getLastModifiedTime(mine).toInstant(), Instant.now()).toSeconds() < 60,
                    "heartbeat");
            assertTrue(Files.exists(fresh));
        }
    }

    @Test
    void failuresAreRecordedAndReleasedAndASuccessClearsThem() throws Exception {
        try (Claims a = Claims.open(dir); Claims b = Claims.open(dir)) {
            assertTrue(a.tryClaim(key(1)));
            assertFalse(b.tryClaim(key(1)));
            a.failed(key(1), "grammar bow->bow xent seed 0", "java.lang.IllegalStateException: out of memory");
            assertFalse(Files.exists(dir.resolve(".claims").resolve(key(1))));
            String record = b.failures().get(key(1));
            assertTrue(record.startsWith("grammar bow->bow xent seed 0\njava.lang.IllegalStateException: out of memory"),
                    record);
            assertTrue(b.tryClaim(key(1)), "a failed cell is free for a retry");
            b.succeeded(key(1));
            assertEquals(Map.of(), b.failures());
            assertEquals(Map.of(), b.live());
            // Releasing a claim that another worker took over meanwhile leaves theirs alone.
            assertTrue(a.tryClaim(key(2)));
            Path file = dir.resolve(".claims").resolve(key(2));
            writeClaim(key(2), "other 1", 1, 0);
            a.release(key(2));
            assertTrue(Files.exists(file));
        }
    }

    @Test
    void aFolderWithoutExclusiveCreationIsRefused() {
        Claims.Creator lax = (file, content) -> Files.write(file, content, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Claims.open(dir, lax, Claims.DEFAULT_STALE_AFTER, Claims.DEFAULT_HEARTBEAT));
        assertTrue(e.getMessage().contains("atomic exclusive file creation") && e.getMessage().contains(dir.toString()),
                e.getMessage());
        assertEquals(0, dir.resolve(".claims").toFile().list().length, "no probe left behind");
    }

    private Path writeClaim(String key, String host, long pid, long started) throws Exception {
        Path file = dir.resolve(".claims").resolve(key);
        Files.createDirectories(file.getParent());
        Map<String, Object> h = new HashMap<>();
        h.put("host", host);
        h.put("pid", pid);
        h.put("started", started);
        h.put("job", "7_1");
        h.put("since", Instant.now().toString());
        h.put("token", "t-" + key);
        Files.write(file, new ObjectMapper().writeValueAsBytes(h));
        return file;
    }
}
