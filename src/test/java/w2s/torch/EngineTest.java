package w2s.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import w2s.finetune.FineTuneConfig;
import w2s.finetune.FineTuner;
import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.train.Losses;

/** The libtorch engine: dtype choice, bfloat16 rounding, scopes that free, bf16 passes that agree with fp32. */
class EngineTest {
    static Path fixture(String name) throws Exception {
        return Path.of(EngineTest.class.getResource("/tiny/" + name).toURI());
    }

    @Test
    void choosesTheDtypeAndSaysWhy() {
        assertEquals(new Dtype.Choice(Dtype.FP32, "fp32 as asked"), Torch.resolve("fp32", Device.CPU));
        Dtype.Choice bf16 = Torch.resolve("bf16", Device.CPU);
        assertEquals(Dtype.BF16, bf16.dtype(), "bf16 is honoured, never silently switched");
        assertEquals(!Torch.cpuHasBf16(), bf16.reason().contains("slower"), bf16.reason());
        // The test suite pins what auto means (pom.xml), so pinned numbers hold on every machine.
        Dtype.Choice auto = Torch.resolve("auto", Device.CPU);
        assertEquals(new Dtype.Choice(Dtype.FP32, "auto: fp32 (W2S_DTYPE)"), auto);
        assertEquals(auto, Torch.resolve("auto", new Device(true, 0)), "pinned on every device");
        var e = assertThrows(IllegalArgumentException.class, () -> Torch.resolve("fp16", Device.CPU));
        assertTrue(e.getMessage().contains("valid: auto, fp32, bf16"), e.getMessage());
    }

    /** Java's conversion (used to load weights) is torch's own round-to-nearest-even, ties and specials included. */
    @Test
    void bf16RoundsAsTorchDoes() {
        Random random = new Random(3);
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * Math.pow(10, i % 7 - 3));
        values[0] = Float.intBitsToFloat(0x3F808000); // exactly halfway between two bf16 values, even below
        values[1] = Float.intBitsToFloat(0x3F818000); // halfway, odd below: rounds up
        values[2] = Float.POSITIVE_INFINITY;
        values[3] = -0f;
        values[4] = Float.MAX_VALUE; // rounds to infinity, as torch's does
        try (Scope scope = Scope.open()) {
            float[] ours = Tensor.bf16(null, values, values.length).toFloatArray();
            float[] torchs = Tensor.of(null, values, values.length).to(Dtype.BF16).toFloatArray();
            assertArrayEquals(torchs, ours);
            assertEquals(Dtype.BF16, Tensor.bf16(null, values, values.length).dtype());
        }
    }

    @Test
    void aClosedScopeHasFreedItsTensorsAndKeptWhatWasKept() {
        Tensor kept, freed;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                Tensor a = Tensor.of(null, new float[] {1, 2, 3}, 3);
                freed = a.mul(2.0);
                kept = inner.keep(a.add(1.0));
            }
            assertArrayEquals(new float[] {2, 3, 4}, kept.toFloatArray());
            Tensor dead = freed;
            assertThrows(NullPointerException.class, dead::toFloatArray, "freed when its scope closed");
        }
        Tensor gone = kept;
        assertThrows(NullPointerException.class, gone::toFloatArray, "freed with the outer scope");
    }

    /** Thousands of forward passes in scopes leave resident memory where it was: nothing waits for the GC. */
    @Test
    void repeatedForwardPassesDoNotGrowMemory() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 48, List.of("a text of some length here",
                "short", "and a third one, which is the longest of the three texts"));
        try (Scope model = Scope.owner(); Torch.Mode noGrad = Torch.noGrad()) {
            Backbone gpt2 = checkpoint.backbone(Weights.fp32(model));
            long before = 0;
            for (int i = 0; i < 2000; i++) {
                try (Scope pass = Scope.open()) {
                    Batch batch = Tokens.pad(rows, Tokens.all(rows));
                    gpt2.forward(gpt2.wordVectors(batch.ids()), batch, true);
                }
                if (i == 600) before = nativeMb();
            }
            long after = nativeMb();
            // Each pass returns 4 layers of 3 × 14 × 48 floats (8 kB each) and makes about 100 intermediates: a leak
            // of the returned states alone would be 45 MB over these 1,400 passes.
            assertTrue(after - before < 30, "native memory grew from " + before + " to " + after + " MB");
        }
    }

    /** A bf16 model's hidden states stay within bfloat16's precision of the fp32 ones, every layer. */
    @Test
    void bf16HiddenStatesAgreeWithFp32() throws Exception {
        for (String name : List.of("gpt2", "llama-gqa", "pythia")) {
            Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture(name));
            Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, List.of("the cat sat on the mat",
                    "a dog"));
            try (Scope scope = Scope.open(); Torch.Mode noGrad = Torch.noGrad()) {
                Batch batch = Tokens.pad(rows, Tokens.all(rows));
                Backbone fp32 = checkpoint.backbone(Weights.fp32(null));
                Backbone bf16 = checkpoint.backbone(new Weights(null, Dtype.BF16, Device.CPU));
                List<Tensor> a = fp32.forward(fp32.wordVectors(batch.ids()), batch, true);
                List<Tensor> b = bf16.forward(bf16.wordVectors(batch.ids()), batch, true);
                for (int l = 0; l < a.size(); l++) {
                    assertEquals(Dtype.BF16, b.get(l).dtype(), name + " layer " + l);
                    float scale = a.get(l).abs().max();
                    float diff = a.get(l).sub(b.get(l).to(Dtype.FP32)).abs().max();
                    assertTrue(diff < 0.05 * scale, name + " layer " + l + ": " + diff + " of " + scale);
                }
            }
        }
    }

    /**
     * bf16 attention on the CPU (computed in fp32, see {@link Nn#attention}) under autocast: bf16 out, within bf16's
     * precision of fp32 attention, padded keys still blocked, and autocast on again afterwards.
     */
    @Test
    void bf16AttentionUnderAutocastAgreesWithFp32() {
        try (Scope scope = Scope.open(); Torch.Mode noGrad = Torch.noGrad()) {
            Torch.seed(1);
            Tensor q = Tensor.randn(null, 2, 3, 5, 8), k = Tensor.randn(null, 2, 3, 5, 8), v = Tensor.randn(null, 2, 3,
                    5, 8);
            // The second text's last two keys are padding.
            Tensor allowed = Tensor.of(null, new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 1, 1, 5).gt(0.5);
            Tensor fp32 = Nn.attention(q, k, v, allowed, false, 0.35, false);
            Tensor bf16;
            try (Torch.Mode cast = Torch.autocast(Dtype.BF16, Device.CPU)) {
                bf16 = Nn.attention(q.to(Dtype.BF16), k.to(Dtype.BF16), v.to(Dtype.BF16), allowed, false, 0.35, false);
                assertTrue(org.bytedeco.pytorch.global.torch.is_autocast_enabled(
                        org.bytedeco.pytorch.global.torch.DeviceType.CPU), "autocast was left off");
            }
            assertEquals(Dtype.BF16, bf16.dtype());
            float diff = fp32.sub(bf16.to(Dtype.FP32)).abs().max();
            assertTrue(diff < 0.05, "bf16 attention is " + diff + " from fp32");
            // A blocked key changes nothing: the second text's first query over its three real keys only.
            Tensor real = Nn.attention(q.slice(0, 1, 2).slice(2, 0, 3), k.slice(0, 1, 2).slice(2, 0, 3),
                    v.slice(0, 1, 2).slice(2, 0, 3), null, false, 0.35, false);
            float masked = real.slice(2, 0, 1).sub(fp32.slice(0, 1, 2).slice(2, 0, 1)).abs().max();
            assertTrue(masked < 1e-5, "padded keys took weight: " + masked);
        }
    }

    /** bf16 training (fp32 master weights, autocast) learns, keeps its weights fp32, and says what it ran in. */
    @Test
    void bf16FineTuningLowersTheLoss() throws Exception {
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(fixture("gpt2"));
        List<String> texts = new ArrayList<>();
        double[][] labels = new double[8][];
        for (int i = 0; i < 8; i++) {
            texts.add(i < 4 ? "good good great fine " + i : "bad awful poor worse " + i);
            labels[i] = i < 4 ? new double[] {0, 1} : new double[] {1, 0};
        }
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, texts);
        FineTuneConfig settings = FineTuneConfig.defaults().withPooling(Pooling.LAST).withDtype("bf16")
                .withDevice("cpu");
        try (FineTuner tuner = new FineTuner(checkpoint, settings, 1)) {
            assertEquals(Dtype.BF16, tuner.dtype().dtype());
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 12; step++) {
                losses.add(tuner.step(rows, labels, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, Losses.get("xent"), 0, 1e-3,
                        0, step));
            }
            assertTrue(losses.get(11) < losses.get(0) - 0.05, losses.toString());
            double[][] p = tuner.predict(rows);
            for (int i = 0; i < 8; i++) assertEquals(i < 4 ? 1 : 0, p[i][1] > 0.5 ? 1 : 0, "text " + i);
        }
    }

    /** Resident memory less the Java heap in use, after a collection: what native allocations hold. */
    private static long nativeMb() throws Exception {
        System.gc();
        Thread.sleep(200);
        Runtime rt = Runtime.getRuntime();
        long committed = rt.totalMemory() >> 20;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024 - committed;
        }
        return -1;
    }
}
