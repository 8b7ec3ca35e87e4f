package w2s.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import w2s.base.Progress;

class OnnxEncoderTest {
    static final List<String> TEXTS = List.of(
            "The cat sat on the mat.",
            "Hello",
            "Their going to the store tomorrow, aren't they?",
            "A much longer sentence that goes on and on about the weather, which was unusually warm for the season.");

    static OnnxEncoder minilm;

    @BeforeAll
    static void open() {
        minilm = OnnxEncoder.open("minilm-l6");
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    static float[][] encode(List<String> texts, String layer, String pooling) {
        return minilm.encode(texts, minilm.spec().layer(layer), pooling, 128, Progress.silent());
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].length, b[i].length);
            for (int d = 0; d < a[i].length; d++) max = Math.max(max, Math.abs(a[i][d] - b[i][d]));
        }
        return max;
    }

    /** The unedited graph, one text at a time (no padding), pooled here: the reference for the cut graph. */
    @Test
    void lastLayerMatchesTheOriginalGraph() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] ids = minilm.tokenize(TEXTS, 128);
        float[][] mean = new float[TEXTS.size()][];
        float[][] cls = new float[TEXTS.size()][];
        float[][] last = new float[TEXTS.size()][];
        float[][] lastText = new float[TEXTS.size()][];
        try (OrtSession original = env.createSession(minilm.spec().modelBytes(), new OrtSession.SessionOptions())) {
            for (int i = 0; i < ids.length; i++) {
                long[] shape = {1, ids[i].length};
                long[] ones = new long[ids[i].length];
                Arrays.fill(ones, 1);
                try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(ids[i]), shape);
                     OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
                     OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids[i].length]), shape);
                     OrtSession.Result out = original.run(Map.of("input_ids", in, "attention_mask", mask,
                             "token_type_ids", types))) {
                    float[][] hidden = ((float[][][]) out.get("last_hidden_state").orElseThrow().getValue())[0];
                    cls[i] = hidden[0].clone();
                    last[i] = hidden[hidden.length - 1].clone(); // the closing [SEP]
                    lastText[i] = hidden[hidden.length - 2].clone(); // the text's last word piece
                    mean[i] = new float[hidden[0].length];
                    for (float[] token : hidden) {
                        for (int d = 0; d < token.length; d++) mean[i][d] += token[d] / hidden.length;
                    }
                }
            }
        }
        assertTrue(maxAbsDiff(mean, encode(TEXTS, "last", "mean")) < 1e-5);
        assertTrue(maxAbsDiff(cls, encode(TEXTS, "last", "cls")) < 1e-5);
        assertTrue(maxAbsDiff(last, encode(TEXTS, "last", "last")) < 1e-5);
        assertTrue(maxAbsDiff(lastText, encode(TEXTS, "last", "last-text")) < 1e-5);
        assertTrue(maxAbsDiff(last, lastText) > 0.1, "last-text must not read the [SEP]");
        assertTrue(maxAbsDiff(mean, encode(TEXTS, "6", "mean")) < 1e-5);
    }

    @Test
    void earlierLayersGiveDifferentFeatures() {
        float[][] last = encode(TEXTS, "last", "mean");
        float[][] middle = encode(TEXTS, "middle", "mean");
        float[][] embeddings = encode(TEXTS, "0", "mean"); // a graph without the attention-mask input
        assertEquals(384, embeddings[0].length);
        assertTrue(maxAbsDiff(last, middle) > 0.1);
        assertTrue(maxAbsDiff(middle, embeddings) > 0.1);
    }

    @Test
    void paddingAndBatchingDoNotChangeAVector() {
        String shortText = "Hello";
        float[][] alone = encode(List.of(shortText), "last", "mean");
        float[][] inBatch = encode(TEXTS, "last", "mean"); // padded to the longest text
        assertTrue(maxAbsDiff(alone, new float[][] {inBatch[TEXTS.indexOf(shortText)]}) < 1e-4);
    }

    /** More texts than one batch, of varied lengths: bucketing must put every vector back in its place. */
    @Test
    void vectorsComeBackInInputOrder() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < OnnxEncoder.BATCH + 9; i++) {
            texts.add("Sentence number " + i + " is" + " rather".repeat(i % 7) + " long.");
        }
        float[][] forward = encode(texts, "middle", "mean");
        List<String> reversed = new ArrayList<>(texts);
        Collections.reverse(reversed);
        float[][] backward = encode(reversed, "middle", "mean");
        Collections.reverse(Arrays.asList(backward));
        assertTrue(maxAbsDiff(forward, backward) < 1e-4);
        assertTrue(maxAbsDiff(new float[][] {forward[0]}, new float[][] {forward[1]}) > 1e-3);
    }

    @Test
    void longTextsAreTruncated() {
        String longText = "word ".repeat(100);
        long[][] ids = minilm.tokenize(List.of(longText, "short"), 16);
        assertEquals(16, ids[0].length);
        assertEquals(102, ids[0][15]); // still ends with [SEP]
        assertEquals(3, ids[1].length);
        assertEquals(384, minilm.encode(List.of(longText), 6, "mean", 16, Progress.silent())[0].length);
    }

    @Test
    void badArgumentsAreNamed() {
        var layer = assertThrows(IllegalArgumentException.class,
                () -> minilm.encode(TEXTS, 7, "mean", 128, Progress.silent()));
        assertTrue(layer.getMessage().contains("minilm-l6") && layer.getMessage().contains("to 6"),
                layer.getMessage());
        var pooling = assertThrows(IllegalArgumentException.class,
                () -> minilm.encode(TEXTS, 6, "max", 128, Progress.silent()));
        assertTrue(pooling.getMessage().contains("'max'"), pooling.getMessage());
        var empty = assertThrows(IllegalArgumentException.class,
                () -> minilm.encode(List.of("fine", " "), 6, "mean", 128, Progress.silent()));
        assertTrue(empty.getMessage().contains("text 1 of 2"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> minilm.encode(TEXTS, 6, "mean", 600, Progress.silent()));
        var spec = assertThrows(IllegalArgumentException.class,
                () -> minilm.encode(TEXTS, FeatureSpec.of("bge-small"), Progress.silent()));
        assertTrue(spec.getMessage().contains("bge-small"), spec.getMessage());
    }

    @Test
    void featureSpecOverloadAgreesWithExplicitArguments() {
        float[][] viaSpec = minilm.encode(TEXTS, new FeatureSpec("minilm-l6", "middle", "cls", 128),
                Progress.silent());
        assertArrayEquals(encode(TEXTS, "3", "cls")[2], viaSpec[2]);
    }
}
