package w2s.base;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import w2s.experiment.Experiment;

/**
 * Native libraries without files left behind. ONNX Runtime's are extracted once into a versioned folder under the
 * cache ({@code native/onnxruntime-VERSION/OS-ARCH}) and loaded from there through its {@code onnxruntime.native.path}
 * property, instead of into a new temporary folder per process. DuckDB's JDBC driver has no such setting: it copies
 * its library to the temporary folder and deletes it only at a normal exit, so a process deletes its own copy as soon
 * as the library is loaded (Linux keeps the mapping), and copies left by killed processes are removed.
 */
public final class Natives {
    private static final long STALE_MILLIS = 10 * 60 * 1000L;
    private static boolean onnxPrepared;
    private static boolean duckDbCleaned;

    private Natives() {}

    /** Call before the first use of ONNX Runtime. */
    public static synchronized void prepareOnnxRuntime() {
        if (onnxPrepared) return;
        onnxPrepared = true;
        removeStale();
        if (System.getProperty("onnxruntime.native.path") != null) return;
        String platform = onnxPlatform();
        if (platform == null) return;
        String version = version("ai.onnxruntime.OrtEnvironment", "com.microsoft.onnxruntime", "onnxruntime");
        if (version.equals("unknown")) return;
        Path dir = Places.nativeLibraries().resolve("onnxruntime-" + version).resolve(platform);
        String ext = platform.startsWith("osx") ? ".dylib" : platform.startsWith("win") ? ".dll" : ".so";
        String prefix = platform.startsWith("win") ? "" : "lib";
        try {
            for (String lib : List.of("onnxruntime", "onnxruntime4j_jni")) {
                String name = prefix + lib + ext;
                extractOnce("/ai/onnxruntime/native/" + platform + "/" + name, dir.resolve(name));
            }
            System.setProperty("onnxruntime.native.path", dir.toString());
        } catch (IOException | RuntimeException e) {
            // Falls back to ONNX Runtime's own extraction: slower and leaves a folder if killed, but works.
        }
    }

    /** Call after ONNX Runtime loaded: removes the (empty) temporary folder it creates anyway. */
    public static void afterOnnxRuntimeLoaded() {
        try {
            java.lang.reflect.Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
            f.setAccessible(true);
            Object dir = f.get(null);
            // ONNX Runtime still copies its small JNI library there; loaded libraries can be deleted on Linux.
            if (dir instanceof Path p && Files.isDirectory(p)) {
                try (Stream<Path> files = Files.list(p)) {
                    for (Path file : files.toList()) Files.deleteIfExists(file);
                }
                Files.deleteIfExists(p);
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            // Only a tidy-up.
        }
    }

    /** Call once DuckDB opened a connection: deletes this process's copy of its library, which stays loaded. */
    public static synchronized void afterDuckDbLoaded() {
        if (duckDbCleaned) return;
        duckDbCleaned = true;
        for (Path p : mapped(Path.of("/proc/self/maps"))) {
            if (p.getFileName().toString().startsWith("libduckdb_java") && p.startsWith(tmp())) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Only a tidy-up.
                }
            }
        }
    }

    /** A DuckDB connection, this process's copy of the library deleted once loaded and old copies cleaned up. */
    public static java.sql.Connection duckdb(String url) throws java.sql.SQLException {
        beforeDuckDb();
        java.sql.Connection c = java.sql.DriverManager.getConnection(url);
        afterDuckDbLoaded();
        return c;
    }

    /** Call before the first use of DuckDB: removes copies of its library left by killed processes. */
    public static void beforeDuckDb() {
        removeStale();
    }

    private static boolean staleRemoved;

    /** Library copies and ONNX Runtime folders in the temporary folder, ours, old, and mapped by no process. */
    static synchronized void removeStale() {
        if (staleRemoved) return;
        staleRemoved = true;
        Set<Path> inUse = null;
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp(), "{libduckdb_java*.so,onnxruntime-java*}")) {
            String me = System.getProperty("user.name");
            for (Path p : entries) {
                if (now - Files.getLastModifiedTime(p).toMillis() < STALE_MILLIS) continue;
                if (!Files.getOwner(p).getName().equals(me)) continue;
                if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.list(p)) {
                        if (files.findAny().isPresent()) continue;
                    }
                    Files.deleteIfExists(p);
                } else {
                    if (inUse == null) inUse = mappedByAnyProcess();
                    if (inUse != null && !inUse.contains(p)) Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Only a tidy-up.
        }
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    }

    /** Files mapped by the processes we can see, or null where /proc is not there (then nothing is deleted). */
    private static Set<Path> mappedByAnyProcess() {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc.resolve("self"))) return null;
        Set<Path> out = new HashSet<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path pid : pids) out.addAll(mapped(pid.resolve("maps")));
        } catch (IOException e) {
            return null;
        }
        return out;
    }

    private static Set<Path> mapped(Path maps) {
        Set<Path> out = new HashSet<>();
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash >= 0) out.add(Path.of(line.substring(slash).replace(" (deleted)", "")));
            }
        } catch (IOException | RuntimeException e) {
            // A process that ended, or one we may not read.
        }
        return out;
    }

    private static void extractOnce(String resource, Path target) throws IOException {
        if (Files.isRegularFile(target)) return;
        Files.createDirectories(target.getParent());
        try (InputStream in = Natives.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no " + resource);
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static String onnxPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : null;
        if (a == null) return null;
        if (os.contains("linux")) return "linux-" + a;
        if (os.contains("mac") || os.contains("darwin")) return "osx-" + a;
        if (os.contains("win")) return "win-" + a;
        return null;
    }

    /** The version of the jar a class came from (its Maven properties), so an upgrade extracts afresh. */
    private static String version(String className, String group, String artifact) {
        try (InputStream in = Class.forName(className).getResourceAsStream(
                "/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                if (p.getProperty("version") != null) return p.getProperty("version");
            }
        } catch (IOException | ClassNotFoundException e) {
            // Fall through.
        }
        try {
            Package pkg = Class.forName(className).getPackage();
            if (pkg != null && pkg.getImplementationVersion() != null) return pkg.getImplementationVersion();
        } catch (ClassNotFoundException e) {
            // Fall through.
        }
        return "unknown";
    }
}
