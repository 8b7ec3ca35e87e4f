import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import w2s.base.Progress;
import w2s.encode.TorchExtractor;
import w2s.model.arch.ArchConfig;
import w2s.model.arch.Architectures;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Safetensors;
import w2s.model.arch.StoredTensor;
import w2s.torch.Dtype;
import w2s.torch.Torch;

/**
 * Every layer's hidden states of a decoder through {@link TorchExtractor}, the Java side of
 * bench/extract-vs-torch.sh (bench/torch_reference.py is the plain-PyTorch side), on random-weight checkpoints of
 * real shapes: GPT-2 small (124M) and Qwen2.5-0.5B (494M). Speed and memory do not depend on the values.
 * Usage: {@code write DIR gpt2|qwen2|bert|bert-base} writes the checkpoint; {@code run DIR TEXTS TOKENS fp32|bf16} measures.
 */
public class ExtractVsTorch {
    static long statusMb(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }

    /** BERT shapes: MiniLM-L6's (6 × 384) and BERT-base's (12 × 768), with the bundled MiniLM's WordPiece tokenizer. */
    static String bertConfig(String shape) {
        boolean base = shape.equals("bert-base");
        return """
                {"model_type": "bert", "vocab_size": 30522, "hidden_size": %d, "num_hidden_layers": %d,
                 "num_attention_heads": 12, "intermediate_size": %d, "max_position_embeddings": 512,
                 "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
                """.formatted(base ? 768 : 384, base ? 12 : 6, base ? 3072 : 1536);
    }

    static void write(Path dir, String shape) throws Exception {
        Files.createDirectories(dir);
        if (shape.startsWith("bert")) {
            Files.writeString(dir.resolve("config.json"), bertConfig(shape));
            try (var in = ExtractVsTorch.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
                Files.copy(in, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            writeWeights(dir);
            return;
        }
        String config = shape.equals("gpt2") ? """
                {"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12,
                 "n_positions": 1024, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
                """ : """
                {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "num_hidden_layers": 24,
                 "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
                 "max_position_embeddings": 32768, "hidden_act": "silu", "rms_norm_eps": 1e-6,
                 "rope_theta": 1000000.0, "tie_word_embeddings": true, "use_sliding_window": false,
                 "sliding_window": 32768}
                """;
        Files.writeString(dir.resolve("config.json"), config);
        Files.copy(Path.of("src/test/resources/tiny/" + (shape.equals("gpt2") ? "gpt2" : "qwen2") + "/tokenizer.json"),
                dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        writeWeights(dir);
    }

    /** Random weights (normal, σ 0.02; norms 1) of the folder's config.json, in the stored layout. */
    static void writeWeights(Path dir) throws Exception {
        ArchConfig arch = Architectures.read(dir.resolve("config.json"));
        Random random = new Random(0);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        arch.shapes().forEach((name, dims) -> {
            long n = 1;
            for (long d : dims) n *= d;
            float[] data = new float[(int) n];
            boolean norm = (name.contains("ln_") || name.contains("layernorm") || name.contains("LayerNorm")
                    || name.equals("norm.weight")) && name.endsWith("weight");
            for (int i = 0; i < data.length; i++) data[i] = norm ? 1f : (float) (random.nextGaussian() * 0.02);
            tensors.put(name, new StoredTensor(dims, data));
        });
        Safetensors.write(dir.resolve("model.safetensors"), tensors);
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("write")) {
            write(Path.of(args[1]), args[2]);
            return;
        }
        Path dir = Path.of(args[1]);
        int count = Integer.parseInt(args[2]), tokens = Integer.parseInt(args[3]);
        Dtype dtype = Dtype.parse(args[4]);
        Torch.start();
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(dir);
        int layers = checkpoint.config().layers();
        Random random = new Random(0);
        // Texts of at least `tokens` tokens, cut to exactly `tokens`: the tiny tokenizers give about one per byte.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count + 16; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < tokens * 4) sb.append((char) ('a' + random.nextInt(26)));
            texts.add(sb.toString());
        }
        int[] all = IntStream.rangeClosed(0, layers).toArray();
        double seconds;
        try (TorchExtractor extractor = new TorchExtractor(checkpoint, dtype)) {
            extractor.encodeLayers(texts.subList(0, 16), all, "last", tokens, Progress.silent()); // warm-up
            long t = System.nanoTime();
            float[][][] out = extractor.encodeLayers(texts.subList(16, 16 + count), all, "last", tokens,
                    Progress.silent());
            seconds = (System.nanoTime() - t) / 1e9;
            if (out.length != layers + 1) throw new IllegalStateException(Arrays.toString(all));
        }
        System.out.printf(Locale.ROOT, "w2s %s: %d layers, %.1f texts/s, peak resident %d MB (CPU flags: %s)%n",
                dtype.id(), layers + 1, count / seconds, statusMb("VmHWM"), Torch.speedFlags());
    }
}
