import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import w2s.encode.TorchExtractor;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;
import w2s.model.arch.ArchConfig;
import w2s.model.arch.Architectures;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Safetensors;
import w2s.model.arch.StoredTensor;
import w2s.model.source.Pretrained;
import w2s.base.Progress;

/**
 * Decoder probe extraction and checkpoint loading, on a GPT-2-small-shaped checkpoint with random weights (no real
 * decoder weights are reachable here; speed and memory do not depend on the values): texts of exactly `tokens`
 * tokens through TorchExtractor (every layer, last-token pooling), against the matmul-limited rate measured in the
 * same run; and the resident memory the loaded checkpoint costs against the size of its weights.
 * Usage: bench/decoder.sh [layers=12] [hidden=768] [tokens=64] [texts=128]; the script writes the checkpoint in one
 * JVM ({@code write DIR layers hidden}) and measures in another, so the writer's memory is not counted.
 */
public class DecoderBench {
    /** A line of /proc/self/status in MB: VmRSS (resident now) or VmHWM (peak resident). */
    static long statusMb(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }

    static void write(Path dir, int layers, int hidden) throws Exception {
        Files.createDirectories(dir);
        String config = """
                {"model_type": "gpt2", "vocab_size": 50257, "n_embd": %d, "n_layer": %d, "n_head": %d,
                 "n_positions": 1024, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
                """.formatted(hidden, layers, hidden / 64);
        Files.writeString(dir.resolve("config.json"), config);
        Files.copy(Path.of("src/test/resources/tiny/gpt2/tokenizer.json"), dir.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ArchConfig arch = Architectures.read(dir.resolve("config.json"));
        Random random = new Random(0);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        arch.shapes().forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) n *= d;
            float[] data = new float[(int) n];
            for (int i = 0; i < data.length; i++) data[i] = (float) (random.nextGaussian() * 0.02);
            if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.endsWith("ln_f.weight")) {
                java.util.Arrays.fill(data, 1f);
            }
            tensors.put(name, new StoredTensor(shape, data));
        });
        // shapes() gives the stored layout (Conv1D as [in, out]), so this is a valid checkpoint.
        Safetensors.write(dir.resolve("model.safetensors"), tensors);
    }

    static double gemmRate() {
        return gemmRate(w2s.torch.Dtype.FP32);
    }

    /** The 1024³ matrix product's rate in this dtype, GFLOP/s (what the machine allows right now). */
    static double gemmRate(w2s.torch.Dtype dtype) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(null, 1024, 1024).to(dtype), b = Tensor.randn(null, 1024, 1024).to(dtype);
            a.matMul(b).close();
            long t = System.nanoTime();
            for (int i = 0; i < 10; i++) a.matMul(b).close();
            return 10 * 2.0 * Math.pow(1024, 3) / ((System.nanoTime() - t) / 1e9) / 1e9;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("write")) {
            write(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int layers = Integer.parseInt(args[0]), hidden = Integer.parseInt(args[1]);
        int tokens = Integer.parseInt(args[2]), count = Integer.parseInt(args[3]);
        Path dir = Path.of(args[4]);
        ArchConfig arch = Architectures.read(dir.resolve("config.json"));
        Random random = new Random(0);
        long weightsMb = Files.size(dir.resolve("model.safetensors")) >> 20;
        double gemmBefore = gemmRate(); // also starts the engine, whose native libraries are not the model's cost
        System.gc();
        long before = statusMb("VmRSS");
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(dir);
        long loaded = statusMb("VmRSS");

        // Texts of exactly `tokens` tokens: the tiny byte-level tokenizer gives about one token per character.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < tokens * 4) sb.append((char) ('a' + random.nextInt(26)));
            texts.add(sb.toString());
        }
        int[] all = java.util.stream.IntStream.rangeClosed(0, layers).toArray();
        double seconds;
        long withModel;
        long peakBuilt;
        try (TorchExtractor extractor = new TorchExtractor(checkpoint)) {
            withModel = statusMb("VmRSS");
            peakBuilt = statusMb("VmHWM");
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "java heap committed %d MB (used %d MB)%n", rt.totalMemory() >> 20,
                    (rt.totalMemory() - rt.freeMemory()) >> 20);
            extractor.encodeLayers(texts.subList(0, 16), all, "last", tokens, Progress.silent()); // warm-up
            long t = System.nanoTime();
            extractor.encodeLayers(texts, all, "last", tokens, Progress.silent());
            seconds = (System.nanoTime() - t) / 1e9;
        }
        double gemm = Math.max(gemmBefore, gemmRate());
        // Forward only: 2 FLOPs per weight per token, plus the attention's 4·T²·H per layer.
        double weights = Pretrained.parameters(arch) - 50257.0 * hidden;
        double gflop = (2 * weights * tokens + 4.0 * layers * tokens * tokens * hidden) / 1e9;
        System.out.printf(Locale.ROOT, "GPT-2 shape: %d layers x %d, %.0fM parameters, weights file %d MB%n", layers,
                hidden, Pretrained.parameters(arch) / 1e6, weightsMb);
        System.out.printf(Locale.ROOT, "resident memory: %d MB before loading, %d MB with the checkpoint opened,"
                + " %d MB with the model built in PyTorch (+%d MB = %.2fx the weights); peak while building %d MB"
                + " (+%d MB = %.2fx the weights)%n", before, loaded, withModel, withModel - before,
                (withModel - before) / (double) weightsMb, peakBuilt, peakBuilt - before,
                (peakBuilt - before) / (double) weightsMb);
        System.out.printf(Locale.ROOT, "extraction, all %d layers, last-token pooling, %d tokens: %.1f texts/s%n",
                layers + 1, tokens, count / seconds);
        System.out.printf(Locale.ROOT, "fp32 1024^3 matmul %.0f GFLOP/s; %.2f GFLOP per text, so at most %.1f texts/s:"
                + " %.0f%% of the matmul-limited rate reached%n", gemm, gflop, gemm / gflop,
                100 * (count / seconds) / (gemm / gflop));
    }
}
