package w2s.sweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Claims on the cells of a results folder, so that workers sharing it (shards of a Slurm array, terminals, pods) never
 * run a cell twice. A claim is the file {@code .claims/<cellKey>}, created exclusively (it exists or it does not, for
 * every worker at once), holding who took it: host, process, Slurm job, time. The worker touches it while the cell runs
 * (a heartbeat) and deletes it when the cell is done; a failed cell leaves {@code .failed/<cellKey>.txt} with the
 * message, which a later success removes. A claim whose worker is gone is stale and any worker may take the cell:
 * on the same host (and process namespace), when its process is no longer alive; elsewhere, when its heartbeat is
 * older than {@link #DEFAULT_STALE_AFTER}.
 */
public final class Claims implements AutoCloseable {
    public static final String CLAIMS = ".claims";
    public static final String FAILED = ".failed";
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(5);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    private static final Duration TAKEOVER_LOCK_STALE = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who holds a claim. {@code started} is the holder process's start (epoch ms, 0 if unknown). */
    public record Holder(String host, long pid, long started, String job, String since, String token) {
        /** For people: host, process and Slurm job. */
        public String describe() {
            return host.split(" ")[0] + " pid " + pid + (job == null || job.isEmpty() ? "" : " job " + job) + " since " + since;
        }
    }

    /** How a file is created exclusively: the file system's own create-if-absent (replaced in tests). */
    interface Creator {
        void createNew(Path file, byte[] content) throws IOException;
    }

    /**
     * Exclusive and whole: the content is written to a private dot-file, which is then hard-linked into place (a link
     * is created atomically and fails if the name exists). A worker killed between creating a claim and writing it
     * would otherwise leave an empty claim, which nothing can tell from a live one until {@link #DEFAULT_STALE_AFTER}
     * (a sweep rerun at once left that cell "to other workers"); now it leaves at most a dot-file, which no listing reads.
     */
    static final Creator EXCLUSIVE = (file, content) -> {
        Path part = file.resolveSibling(".part-" + UUID.randomUUID());
        Files.write(part, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Files.createLink(file, part);
        } finally {
            Files.deleteIfExists(part);
        }
    };

    private final Path claims;
    private final Path failed;
    private final Creator creator;
    private final Duration staleAfter;
    private final Holder me;
    private final String namespace;
    /** Cells this worker holds: key to the token in its claim. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService heartbeat;
    private final Thread onExit;

    private Claims(Path out, Creator creator, Duration staleAfter, Duration heartbeatEvery) {
        this.claims = out.resolve(CLAIMS);
        this.failed = out.resolve(FAILED);
        this.creator = creator;
        this.staleAfter = staleAfter;
        ProcessHandle self = ProcessHandle.current();
        this.namespace = hostId();
        this.me = new Holder(namespace, self.pid(), self.info().startInstant().map(Instant::toEpochMilli).orElse(0L),
                job(), "", "");
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "w2s-claims-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, heartbeatEvery.toMillis());
        heartbeat.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
        // A worker stopped by a signal (scancel, Ctrl-C, a preempted pod) hands its cells back at once.
        this.onExit = new Thread(this::releaseAll, "w2s-claims-release");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * The claims of a results folder, after checking that the folder supports exclusive creation (else an
     * IllegalArgumentException says so: workers sharing it could run a cell twice).
     */
    public static Claims open(Path out) {
        return open(out, EXCLUSIVE, DEFAULT_STALE_AFTER, DEFAULT_HEARTBEAT);
    }

    static Claims open(Path out, Creator creator, Duration staleAfter, Duration heartbeat) {
        checkAtomic(out, creator);
        return new Claims(out, creator, staleAfter, heartbeat);
    }

    /** Claims of a folder for reading only (status): no probe, no heartbeat worth mentioning, nothing created. */
    public static Claims reader(Path out) {
        return new Claims(out, EXCLUSIVE, DEFAULT_STALE_AFTER, Duration.ofDays(1));
    }

    /**
     * Checks that creating the same file twice in out's claims folder fails the second time, as claims need; some
     * file systems (FUSE mounts of object stores, old NFS) let both succeed.
     */
    static void checkAtomic(Path out, Creator creator) {
        Path dir = out.resolve(CLAIMS);
        Path probe = dir.resolve(".probe-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            Files.createDirectories(out.resolve(FAILED));
            creator.createNew(probe, new byte[0]);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create files in the results folder " + out + ": " + e, e);
        }
        try {
            creator.createNew(probe, new byte[0]);
            throw new IllegalArgumentException("the results folder " + out + " is on a file system without atomic "
                    + "exclusive file creation (creating the same file twice succeeded), which workers sharing the "
                    + "folder need to claim cells; put --out on a local disk or on a shared file system that has it "
                    + "(NFS v3 or later, Lustre, GPFS, BeeGFS, CephFS)");
        } catch (FileAlreadyExistsException expected) {
            // as it should be
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use the results folder " + out + " for claims: " + e, e);
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a leftover probe file is harmless
            }
        }
    }

    /**
     * Takes the cell for this worker: true if it now holds it, false if a live worker does. A stale claim is taken
     * over, under a short lock so that two workers never both take over the same one.
     */
    public boolean tryClaim(String cellKey) {
        Path file = claims.resolve(cellKey);
        for (int attempt = 0; attempt < 3; attempt++) {
            String token = UUID.randomUUID().toString();
            Holder mine = new Holder(me.host(), me.pid(), me.started(), me.job(), Instant.now().toString(), token);
            try {
                creator.createNew(file, JSON.writeValueAsBytes(mine));
                held.put(cellKey, token);
                // Read back: on a file system where exclusive creation is not quite atomic, the last writer wins and
                // every other one finds out here.
                Optional<Holder> now = read(file);
                if (now.isPresent() && !token.equals(now.get().token())) {
                    held.remove(cellKey);
                    return false;
                }
                return true;
            } catch (FileAlreadyExistsException e) {
                try {
                    if (!takeOverIfStale(cellKey, file)) return false;
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot take over " + file + ": " + ex.getMessage(), ex);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot claim " + file + ": " + e.getMessage(), e);
            }
        }
        return false;
    }

    private boolean takeOverIfStale(String cellKey, Path file) throws IOException {
        Optional<Holder> seen = read(file);
        if (!stale(file, seen)) return false;
        Path lock = claims.resolve(cellKey + ".takeover");
        try {
            Files.createDirectory(lock);
        } catch (FileAlreadyExistsException e) {
            // Another worker is taking it over, or died doing so (then the lock is old and goes).
            if (age(lock).compareTo(TAKEOVER_LOCK_STALE) > 0) Files.deleteIfExists(lock);
            return false;
        }
        try {
            Optional<Holder> again = read(file);
            if (!sameHolder(seen, again) || !stale(file, again)) return false;
            Files.deleteIfExists(file);
            return true;
        } finally {
            Files.deleteIfExists(lock);
        }
    }

    private static boolean sameHolder(Optional<Holder> a, Optional<Holder> b) {
        return a.map(Holder::token).equals(b.map(Holder::token));
    }

    /** Whether this worker holds the cell. */
    public boolean holds(String cellKey) {
        return held.containsKey(cellKey);
    }

    /** The cell is stored: its failure record (if any) goes, then the claim. */
    public void succeeded(String cellKey) {
        try {
            Files.deleteIfExists(failed.resolve(cellKey + ".txt"));
        } catch (IOException ignored) {
            // an outdated failure record; status shows the cell as done anyway
        }
        release(cellKey);
    }

    /** The cell failed: the message is recorded in .failed/KEY.txt and the claim released, for a later retry. */
    public void failed(String cellKey, String description, String message) {
        String text = description + "\n" + message + "\n" + "host " + me.host() + " pid " + me.pid()
                + (me.job().isEmpty() ? "" : " job " + me.job()) + " at " + Instant.now() + "\n";
        try {
            Files.createDirectories(failed);
            Path tmp = Files.createTempFile(failed, "." + cellKey, ".tmp");
            Files.writeString(tmp, text);
            try {
                Files.move(tmp, failed.resolve(cellKey + ".txt"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, failed.resolve(cellKey + ".txt"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("w2s: cannot record the failure of " + description + ": " + e.getMessage());
        } finally {
            release(cellKey);
        }
    }

    /** Hands the cell back (without a record): deletes the claim if it is still this worker's. */
    public void release(String cellKey) {
        String token = held.remove(cellKey);
        if (token == null) return;
        Path file = claims.resolve(cellKey);
        try {
            if (read(file).map(h -> token.equals(h.token())).orElse(true)) Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // it goes stale instead
        }
    }

    private void releaseAll() {
        held.keySet().forEach(this::release);
    }

    private void beat() {
        FileTime now = FileTime.from(Instant.now());
        for (String key : held.keySet()) {
            try {
                Files.setLastModifiedTime(claims.resolve(key), now);
            } catch (IOException e) {
                // taken over or deleted by hand: the cell's result is still written, atomically, once it is done
            }
        }
    }

    /** Claims of live workers, by cell key. */
    public Map<String, Holder> live() {
        Map<String, Holder> out = new TreeMap<>();
        for (Path f : list(claims)) {
            String name = f.getFileName().toString();
            if (name.startsWith(".") || name.endsWith(".takeover")) continue;
            Optional<Holder> h = read(f);
            try {
                if (Files.exists(f) && !stale(f, h)) {
                    out.put(name, h.orElse(new Holder("?", 0, 0, "", "", "")));
                }
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /** Recorded failures (first line: the cell; then the message), by cell key. */
    public Map<String, String> failures() {
        Map<String, String> out = new TreeMap<>();
        for (Path f : list(failed)) {
            String name = f.getFileName().toString();
            if (name.startsWith(".") || !name.endsWith(".txt")) continue;
            try {
                out.put(name.substring(0, name.length() - 4), Files.readString(f).strip());
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /** Whether a claim's worker is gone. */
    boolean stale(Path file, Optional<Holder> holder) throws IOException {
        if (holder.isEmpty()) return age(file).compareTo(staleAfter) > 0;  // half-written, or not ours
        Holder h = holder.get();
        if (h.host().equals(namespace)) {
            if (h.pid() == me.pid()) return false;
            Optional<ProcessHandle> p = ProcessHandle.of(h.pid());
            if (p.isEmpty() || !p.get().isAlive()) return true;
            // The pid was reused by a process that started later than the holder.
            Optional<Instant> start = p.get().info().startInstant();
            return h.started() > 0 && start.isPresent() && Math.abs(start.get().toEpochMilli() - h.started()) > 2000;
        }
        return age(file).compareTo(staleAfter) > 0;
    }

    private static Duration age(Path file) throws IOException {
        try {
            return Duration.between(Files.getLastModifiedTime(file).toInstant(), Instant.now());
        } catch (NoSuchFileException e) {
            return Duration.ZERO;
        }
    }

    static Optional<Holder> read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) return Optional.empty();
            return Optional.of(JSON.readValue(new String(bytes, StandardCharsets.UTF_8), Holder.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static java.util.List<Path> list(Path dir) {
        java.util.List<Path> files = new java.util.ArrayList<>();
        if (!Files.isDirectory(dir)) return files;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(files::add);
        } catch (IOException e) {
            // an unreadable folder lists as empty
        }
        return files;
    }

    /**
     * This machine as claims name it: the host name, plus the process namespace on Linux, so that two containers
     * sharing a host name never judge each other's processes by pid.
     */
    static String hostId() {
        String host = null;
        try {
            host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        if (host == null || host.isEmpty()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown-host";
            }
        }
        try {
            Path ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
            return host + " " + ns.toString().replaceAll("\\D", "");
        } catch (IOException | RuntimeException e) {
            return host;
        }
    }

    /** The scheduler job this worker runs in: a Slurm array task, a Slurm job, a Kubernetes indexed Job's index. */
    static String job() {
        Map<String, String> env = System.getenv();
        if (env.containsKey("SLURM_ARRAY_JOB_ID") && env.containsKey("SLURM_ARRAY_TASK_ID")) {
            return env.get("SLURM_ARRAY_JOB_ID") + "_" + env.get("SLURM_ARRAY_TASK_ID");
        }
        if (env.containsKey("SLURM_JOB_ID")) return env.get("SLURM_JOB_ID");
        if (env.containsKey("JOB_COMPLETION_INDEX")) return "k8s-index-" + env.get("JOB_COMPLETION_INDEX");
        return "";
    }

    /** The holder this worker writes into its claims (without time and token). */
    public Holder me() {
        return me;
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        releaseAll();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // shutting down already: the hook releases
        }
    }
}
