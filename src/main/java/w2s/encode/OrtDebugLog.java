package w2s.encode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The empty {@code /tmp/mat-debug-<pid>.log} that ONNX Runtime's built-in telemetry library (Microsoft's 1DS SDK,
 * "MATSDK") creates when the runtime's environment starts, removed. Its path is fixed in the native library and no
 * setting of the Java API turns it off; on Linux a file still open can be deleted, and an empty one loses nothing.
 */
final class OrtDebugLog {
    private OrtDebugLog() {}

    /** The file this process's runtime created. */
    static Path file() {
        return Path.of("/tmp", "mat-debug-" + ProcessHandle.current().pid() + ".log");
    }

    /** Deletes this process's file if it is empty (only a tidy-up: failures are ignored). */
    static void remove() {
        Path f = file();
        try {
            if (Files.isRegularFile(f) && Files.size(f) == 0) Files.deleteIfExists(f);
        } catch (IOException | RuntimeException e) {
            // Only a tidy-up.
        }
    }
}
