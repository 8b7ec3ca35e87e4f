package w2s.finetune;

import w2s.model.arch.Weights;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.model.arch.Batch;
import w2s.model.source.Pretrained;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The DJL encoder, loaded from a bundled ONNX model's initializers, against ONNX Runtime running that model. */
class HiddenStatesTest {
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "I absolutely loved this film; the acting was superb and the ending made me cry.",
            "Terrible.",
            "Q: What gas do plants absorb from the air? A: carbon dioxide",
            "Weak-to-strong generalization asks whether a strong student can exceed its weak supervisor.");

    @ParameterizedTest
    @CsvSource({"minilm-l6, all-minilm-l6-v2", "bge-small, bge-small-en-v1.5", "e5-small, e5-small-v2"})
    void matchesOnnxRuntime(String name, String resource) throws Exception {
        Checkpoint checkpoint = Pretrained.get(name).checkpoint();
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 128, SENTENCES);
        assertEquals(4, rows[2].length(), "'Terrible.' is [CLS] terrible . [SEP], unpadded");
        int batch = rows.length, length = 0;
        for (Tokens.Encoded r : rows) length = Math.max(length, r.length());

        float[][][] expected;
        try (Scope scope = Scope.open()) {
            Batch in = Tokens.pad(rows, Tokens.all(rows));
            expected = onnxRuntime(resource, in.ids().toLongArray(), in.typeIds().toLongArray(), in.mask(), batch, length);
            Tensor hidden = checkpoint.backbone(Weights.fp32(null)).lastHidden(in);
            assertEquals(List.of((long) batch, (long) length, (long) checkpoint.config().hidden()),
                    List.of(hidden.shape()[0], hidden.shape()[1], hidden.shape()[2]));
            float[] ours = hidden.toFloatArray();
            int h = checkpoint.config().hidden();
            double maxDiff = 0;
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < rows[b].length(); t++) {
                    for (int k = 0; k < h; k++) {
                        maxDiff = Math.max(maxDiff, Math.abs(ours[(b * length + t) * h + k] - expected[b][t][k]));
                    }
                }
            }
            System.out.printf("%s: max |DJL - ONNX Runtime| over real tokens = %.3g%n", name, maxDiff);
            assertTrue(maxDiff < 1e-4, name + ": max abs difference " + maxDiff);
        }
    }

    private static float[][][] onnxRuntime(String resource, long[] ids, long[] types, Tensor mask, int batch,
                                           int length) throws Exception {
        byte[] model;
        try (InputStream in = HiddenStatesTest.class.getClassLoader().getResourceAsStream(resource + ".onnx")) {
            model = in.readAllBytes();
        }
        long[] attention = new long[ids.length];
        float[] m = mask.toFloatArray();
        for (int i = 0; i < m.length; i++) attention[i] = (long) m[i];
        long[] shape = {batch, length};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor idsT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
             OnnxTensor maskT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(attention), shape);
             OnnxTensor typesT = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idsT, "attention_mask", maskT,
                     "token_type_ids", typesT))) {
            return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
        }
    }
}
