package w2s.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import w2s.model.arch.Architectures;
import w2s.model.arch.Checkpoint;

/**
 * The encoders that can be fine-tuned, by name. The bundled ones come from the langchain4j jars on the class path;
 * BERT-base must be installed first ({@link BertBaseInstaller}).
 *
 * @param name        the name used on the command line and in results
 * @param source      where the weights come from, for results and errors
 * @param learningRate the default peak learning rate: the reference's 5e-5 for models of GPT-2 small's size
 *                    (124M) and below
 * @param layers      transformer layers, known before the weights are loaded
 */
public record Pretrained(String name, String source, double learningRate, int layers, Supplier<Checkpoint> loader) {
    private static final Map<String, Pretrained> REGISTRY = new LinkedHashMap<>();
    private static final Map<String, Checkpoint> LOADED = new LinkedHashMap<>();

    static {
        // Heads and LayerNorm epsilon are from each model's published config.json; the ONNX initializers lack them.
        bundled("minilm-l6", "all-minilm-l6-v2", 6, 12, 1e-12);
        bundled("bge-small", "bge-small-en-v1.5", 12, 12, 1e-12);
        bundled("e5-small", "e5-small-v2", 12, 12, 1e-12);
        Path dir = BertBaseInstaller.defaultModelsDir().resolve(BertBaseInstaller.NAME);
        REGISTRY.put(BertBaseInstaller.NAME, new Pretrained(BertBaseInstaller.NAME, dir.toString(), 5e-5, 12, () -> {
            if (!BertBaseInstaller.installed(BertBaseInstaller.defaultModelsDir())) {
                throw new IllegalStateException("bert-base is not installed in " + dir
                        + "; install it with: bin/w2s models install bert-base");
            }
            try {
                return Checkpoint.fromHuggingFace(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    private static void bundled(String name, String resource, int layers, int heads, double eps) {
        REGISTRY.put(name, new Pretrained(name, resource + ".onnx (class path)", 5e-5, layers,
                () -> Checkpoint.fromOnnxResource(resource, heads, eps)));
    }

    /** Whether a name is a path to a Hugging Face model folder. */
    public static boolean isFolder(String name) {
        return Files.isRegularFile(Path.of(name).resolve("config.json"));
    }

    private static Pretrained folder(Path dir) {
        int layers;
        try {
            layers = Architectures.read(dir.resolve("config.json")).layers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Pretrained(dir.toString(), dir.toAbsolutePath().toString(), 5e-5, layers, () -> {
            try {
                return Checkpoint.fromHuggingFace(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * A registered encoder, or a user's Hugging Face BERT folder given by its path (config.json, model.safetensors,
     * tokenizer.json), so any BERT/MiniLM/BGE checkpoint can be fine-tuned or probed by naming its folder.
     */
    public static Pretrained get(String name) {
        Pretrained p = REGISTRY.get(name);
        if (p == null && isFolder(name)) p = folder(Path.of(name));
        if (p == null) {
            throw new IllegalArgumentException("unknown encoder '" + name + "'; fine-tunable encoders: "
                    + String.join(", ", names()));
        }
        return p;
    }

    /** The checkpoint, read once per JVM: every fit copies it, so it is never modified. */
    public Checkpoint checkpoint() {
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(name, n -> loader.get());
        }
    }
}
