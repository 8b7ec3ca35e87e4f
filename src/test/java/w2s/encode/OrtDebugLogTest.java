package w2s.encode;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;

import org.junit.jupiter.api.Test;

/** Issue 22 item 7: loading ONNX Runtime leaves no empty mat-debug-<pid>.log in /tmp. */
class OrtDebugLogTest {
    @Test
    void loadingOnnxRuntimeLeavesNoDebugLog() throws Exception {
        Class.forName("w2s.encode.OnnxEncoder"); // starts the runtime's environment, which creates the file
        ai.onnxruntime.OrtEnvironment.getEnvironment();
        assertFalse(Files.exists(OrtDebugLog.file()), OrtDebugLog.file() + " is left behind");
    }
}
