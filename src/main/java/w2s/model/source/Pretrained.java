package w2s.model.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import w2s.hub.HubException;
import w2s.hub.HuggingFaceHub;
import w2s.model.arch.ArchConfig;
import w2s.model.arch.Architectures;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.ConfigCheck;

/**
 * A pretrained backbone by name, and where it comes from: an encoder bundled in a Maven jar, BERT-base once
 * installed, a Hugging Face model folder given by its path, or a Hugging Face model id ({@code gpt2},
 * {@code EleutherAI/pythia-160m}, {@code Qwen/Qwen2.5-0.5B@REVISION}) found in the user's Hugging Face cache and
 * downloaded into it when missing ({@link HuggingFaceHub}).
 *
 * @param name         the name used on the command line and in results
 * @param source       where the weights come from, for results and errors
 * @param config       the architecture and its shape, read without loading the weights
 * @param learningRate the default peak learning rate for fine-tuning: the openai reference's 5e-5 for GPT-2 and
 *                     GPT-2-medium (≤ 355M parameters), 1e-5 for larger models
 * @param fingerprint  what identifies the weights and tokenizer, for cache keys
 */
public record Pretrained(String name, String source, ArchConfig config, double learningRate, String fingerprint,
                         Supplier<Checkpoint> loader) {
    private static final Map<String, Pretrained> REGISTRY = new LinkedHashMap<>();
    private static final Map<String, Checkpoint> LOADED = new LinkedHashMap<>();
    /** Models above this many parameters get the reference's smaller learning rate. */
    static final long LARGE = 500_000_000L;

    static {
        // Heads and LayerNorm epsilon are from each model's published config.json; the ONNX initializers lack them.
        bundled("minilm-l6", "all-minilm-l6-v2", 6, 12, 1e-12);
        bundled("bge-small", "bge-small-en-v1.5", 12, 12, 1e-12);
        bundled("e5-small", "e5-small-v2", 12, 12, 1e-12);
        Path dir = BertBaseInstaller.defaultModelsDir().resolve(BertBaseInstaller.NAME);
        REGISTRY.put(BertBaseInstaller.NAME, new Pretrained(BertBaseInstaller.NAME, dir.toString(),
                BertBaseInstaller.CONFIG, 5e-5, dir.toString(), () -> {
            if (!BertBaseInstaller.installed(BertBaseInstaller.defaultModelsDir())) {
                throw new IllegalArgumentException("bert-base is not installed in " + dir
                        + "; install it with: bin/w2s models install bert-base");
            }
            return load(dir);
        }));
    }

    private static void bundled(String name, String resource, int layers, int heads, double eps) {
        // The MiniLM / BGE / E5 small encoders: BERT-style, hidden 384, feed-forward 1536, 512 positions.
        Bert.Config config = new Bert.Config(30522, 384, layers, heads, 1536, 512, 2, eps, Bert.Config.Gelu.EXACT);
        REGISTRY.put(name, new Pretrained(name, resource + ".onnx (class path)", config, 5e-5, resource,
                () -> Checkpoint.fromOnnxResource(resource, heads, eps)));
    }

    /** The registered names (bundled encoders and bert-base). */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** Whether a name is the path of a model folder (it has a config.json). */
    public static boolean isFolder(String name) {
        return Files.isRegularFile(Path.of(name).resolve("config.json"));
    }

    /**
     * A registered model, a model folder by its path, or a Hugging Face model id ({@code ID} or {@code ID@REVISION})
     * resolved through the Hugging Face cache. Unknown names are refused with the valid forms.
     */
    public static Pretrained get(String name) {
        Pretrained p = REGISTRY.get(name);
        if (p != null) return p;
        Path path = Path.of(name);
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("config.json"))) {
                throw new IllegalArgumentException(path.resolve("config.json") + ": not found (a model folder needs"
                        + " config.json, tokenizer.json and model.safetensors)");
            }
            return folder(name, path, path.toAbsolutePath().toString());
        }
        if (HuggingFaceHub.looksLikeRepoId(name.contains("@") ? name.substring(0, name.indexOf('@')) : name)) {
            String id = name.contains("@") ? name.substring(0, name.indexOf('@')) : name;
            String revision = name.contains("@") ? name.substring(name.indexOf('@') + 1) : "main";
            Path snapshot;
            try {
                snapshot = new HuggingFaceHub().resolve(id, revision);
            } catch (HubException e) {
                // A bare name is as likely a mistyped built-in model as a Hugging Face id: say both.
                if (id.contains("/")) throw e;
                throw new IllegalArgumentException("unknown model '" + name + "': not one of bow, "
                        + String.join(", ", names()) + ", not a folder, and as a Hugging Face id: " + e.getMessage(), e);
            }
            return folder(name, snapshot, "huggingface:" + id + "@" + revision + " (" + snapshot + ")");
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; use bow, one of " + String.join(", ", names())
                + ", the path of a Hugging Face model folder, or a Hugging Face model id such as gpt2 or"
                + " EleutherAI/pythia-160m (supported architectures: " + String.join(", ", Architectures.supported())
                + ")");
    }

    private static Pretrained folder(String name, Path dir, String source) {
        ArchConfig config;
        try {
            config = ConfigCheck.read(dir); // the config against the weights' headers, before counting parameters
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        double lr = parameters(config) > LARGE ? 1e-5 : 5e-5;
        return new Pretrained(name, source, config, lr, fingerprint(dir), () -> load(dir));
    }

    private static Checkpoint load(Path dir) {
        try {
            return Checkpoint.fromHuggingFace(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Parameters of the backbone (embeddings included, pre-training heads not), from the config alone. */
    public static long parameters(ArchConfig config) {
        long n = 0;
        for (long[] shape : config.shapes().values()) {
            long size = 1;
            for (long d : shape) size *= d;
            n += size;
        }
        return n;
    }

    public long parameters() {
        return parameters(config);
    }

    /** The checkpoint, read once per JVM: every fit copies it, so it is never modified. */
    public Checkpoint checkpoint() {
        synchronized (LOADED) {
            Checkpoint c = LOADED.get(fingerprint);
            if (c == null) LOADED.put(fingerprint, c = loader.get());
            return c;
        }
    }

    /** Weights files up to this size are hashed whole; larger ones in {@link #SAMPLES} evenly spaced samples. */
    static final long HASH_WHOLE = 16L << 20;
    static final int SAMPLES = 16, SAMPLE_BYTES = 64 << 10;

    /**
     * What identifies a model folder's outputs without reading gigabytes: the config, the tokenizer, and each weights
     * file's size, safetensors header (tensor names, dtypes, shapes and byte offsets) and weights: the whole data of a
     * file up to 16 MiB, else 16 evenly spaced 64 KiB samples of it (1 MiB). So two checkpoints of one shape with
     * other weights (a fine-tuned copy, a folder edited by hand) are told apart, and their features never share a
     * cache entry; only an edit of a large file that misses every sample would go unseen.
     */
    static String fingerprint(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : new String[] {"config.json", "tokenizer.json"}) {
                if (Files.isRegularFile(dir.resolve(f))) sha.update(Files.readAllBytes(dir.resolve(f)));
            }
            for (Path weights : Checkpoint.weightFiles(dir)) {
                try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.READ)) {
                    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(len, 0);
                    long n = Math.max(0, Math.min(len.getLong(0), Math.min(ch.size() - 8, 100_000_000L)));
                    ByteBuffer header = ByteBuffer.allocate((int) n);
                    ch.read(header, 8);
                    sha.update(weights.getFileName().toString().getBytes());
                    sha.update(ByteBuffer.allocate(8).putLong(ch.size()).array());
                    sha.update(header.array());
                    long start = 8 + n, data = ch.size() - start;
                    if (data <= HASH_WHOLE) {
                        sha.update(read(ch, start, (int) data));
                    } else {
                        for (int i = 0; i < SAMPLES; i++) {
                            sha.update(read(ch, start + (data - SAMPLE_BYTES) / (SAMPLES - 1) * i, SAMPLE_BYTES));
                        }
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining() && ch.read(b, at + b.position()) >= 0) {
            // a read may return fewer bytes than asked
        }
        return b.array();
    }
}
