package w2s.model.arch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Pretrained weights in fp32 under their architecture's canonical names and the checkpoint's layouts, with the
 * config and the tokenizer.json that go with them, copied into a fresh trainable {@link Backbone} by every fit.
 * Weights read from safetensors files stay on disk until a backbone is built, then go from the file straight into
 * libtorch tensors a slice at a time, so building a model costs its PyTorch copy and a few megabytes, with no Java
 * copy of any weight (see {@link StoredTensors}, {@link Safetensors#stored}).
 *
 * @param origin    where the weights came from, named in every error about them
 * @param tokenizer the tokenizer.json text
 */
public record Checkpoint(String origin, ArchConfig config, Map<String, StoredTensor> tensors, String tokenizer) {

    public Checkpoint {
        if (!(tensors instanceof StoredTensors)) tensors = Map.copyOf(tensors);
        validate(origin, config, tensors, tokenizer);
    }

    /**
     * Tensors of safetensors files under canonical names, their values left on disk: {@code get} reads nothing, and
     * a tensor's values are read from the file each time it is copied into libtorch. Shapes come from the files'
     * headers.
     */
    static final class StoredTensors extends java.util.AbstractMap<String, StoredTensor> {
        private final Map<String, Safetensors.Stored> stored;

        StoredTensors(Map<String, Safetensors.Stored> stored) {
            this.stored = stored;
        }

        long[] shape(String name) {
            Safetensors.Stored s = stored.get(name);
            return s == null ? null : s.shape();
        }

        @Override
        public StoredTensor get(Object name) {
            Safetensors.Stored s = stored.get(name);
            return s == null ? null : Safetensors.stored(s);
        }

        @Override
        public boolean containsKey(Object name) {
            return stored.containsKey(name);
        }

        @Override
        public java.util.Set<String> keySet() {
            return java.util.Collections.unmodifiableSet(stored.keySet());
        }

        @Override
        public java.util.Set<Entry<String, StoredTensor>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Entry<String, StoredTensor>> iterator() {
                    var names = stored.keySet().iterator();
                    return new java.util.Iterator<>() {
                        public boolean hasNext() {
                            return names.hasNext();
                        }

                        public Entry<String, StoredTensor> next() {
                            String name = names.next();
                            return new SimpleImmutableEntry<>(name, get(name));
                        }
                    };
                }

                @Override
                public int size() {
                    return stored.size();
                }
            };
        }
    }

    /**
     * The language-model head's matrix [vocab, hidden] as stored, for GPT-2 only (its {@code wte}), so next-token
     * logits are {@code h_L · Wᵀ}; null for other architectures. The zero-shot baseline reads it without building a
     * model; {@link Backbone#lmHead} of a {@link #languageModel} is every decoder's head, tied or not.
     */
    public StoredTensor tiedUnembedding() {
        return config.modelType().equals("gpt2") ? tensors.get("wte.weight") : null;
    }

    /**
     * A trainable copy of the weights, made as {@code weights} says (owner, dtype, device), without an untied LM
     * head: what extraction and classification use.
     */
    public Backbone backbone(Weights weights) {
        return config.build(tensors, weights, false);
    }

    /**
     * A trainable copy of the weights with the LM head ({@link Backbone#lmHead}), for next-token prediction: an
     * untied head is read and becomes a parameter under its checkpoint name.
     *
     * @throws IllegalArgumentException naming the weights and why, for an encoder, or for a decoder whose config
     *                                  does not tie the head to the token embeddings and whose checkpoint has no
     *                                  head of its own
     */
    public Backbone languageModel(Weights weights) {
        if (!config.causal()) {
            throw new IllegalArgumentException(origin + ": " + config.modelType() + " is an encoder: it has no"
                    + " language-model head to predict next tokens with (use a decoder: gpt2, gpt_neox, llama, mistral,"
                    + " qwen2)");
        }
        String head = config.lmHeadName();
        if (head != null && !tensors.containsKey(head)) {
            throw new IllegalArgumentException(origin + ": no language-model head: config.json does not tie it to the"
                    + " token embeddings (tie_word_embeddings is false) and the checkpoint has no '" + head
                    + "' tensor (a base-model checkpoint saved without its head?)");
        }
        return config.build(tensors, weights, true);
    }

    /**
     * Loads an ONNX export of a BERT model. The number of heads and the LayerNorm epsilon are not stored in the
     * initializers, so the caller gives them (from the model's published config.json); the activation is taken to
     * be the exact GELU, which the bundled exports compute with Erf.
     */
    public static Checkpoint fromOnnx(String origin, InputStream onnx, String tokenizerJson, int heads, double eps)
            throws IOException {
        Map<String, StoredTensor> tensors = OnnxWeights.read(origin, onnx);
        StoredTensor words = require(origin, tensors, "embeddings.word_embeddings.weight");
        StoredTensor positions = require(origin, tensors, "embeddings.position_embeddings.weight");
        StoredTensor types = require(origin, tensors, "embeddings.token_type_embeddings.weight");
        StoredTensor intermediate = require(origin, tensors, "encoder.layer.0.intermediate.dense.bias");
        int layers = 0;
        while (tensors.containsKey("encoder.layer." + layers + ".output.LayerNorm.weight")) layers++;
        Bert.Config config = new Bert.Config((int) words.shape()[0], (int) words.shape()[1], layers, heads,
                (int) intermediate.shape()[0], (int) positions.shape()[0], (int) types.shape()[0], eps,
                Bert.Config.Gelu.EXACT);
        return new Checkpoint(origin, config, tensors, tokenizerJson);
    }

    /** Loads a bundled encoder from the class path: {@code <name>.onnx} and {@code <name>-tokenizer.json}. */
    public static Checkpoint fromOnnxResource(String name, int heads, double eps) {
        ClassLoader loader = Checkpoint.class.getClassLoader();
        try (InputStream onnx = loader.getResourceAsStream(name + ".onnx");
             InputStream tok = loader.getResourceAsStream(name + "-tokenizer.json")) {
            if (onnx == null || tok == null) {
                throw new IllegalArgumentException("class path resource " + name + ".onnx or " + name
                        + "-tokenizer.json not found (is its langchain4j-embeddings jar in the pom?)");
            }
            return fromOnnx(name + ".onnx", onnx, new String(tok.readAllBytes(), StandardCharsets.UTF_8), heads, eps);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name + ".onnx from the class path", e);
        }
    }

    /**
     * Loads a Hugging Face model folder: config.json, tokenizer.json, and the weights as {@code model.safetensors}
     * or as shards listed by {@code model.safetensors.index.json}. Tensors are renamed to the architecture's
     * canonical names; those it does not use are skipped.
     */
    public static Checkpoint fromHuggingFace(Path dir) throws IOException {
        for (String f : new String[] {"config.json", "tokenizer.json"}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IllegalArgumentException(dir.resolve(f) + ": not found (a model folder needs config.json,"
                        + " tokenizer.json and model.safetensors or model.safetensors.index.json)");
            }
        }
        ArchConfig config = Architectures.read(dir.resolve("config.json"));
        Map<String, Safetensors.Stored> stored = new LinkedHashMap<>();
        java.util.List<Path> files = weightFiles(dir);
        for (Path file : files) {
            Safetensors.index(file).forEach((name, t) -> {
                String key = config.canonicalName(name);
                if (key != null) stored.putIfAbsent(key, t);
            });
        }
        // Errors about tensors name the weights file, or the index that lists the shards.
        String origin = (files.size() == 1 ? files.get(0) : dir.resolve("model.safetensors.index.json")).toString();
        ConfigCheck.agrees(dir.resolve("config.json"), config, stored, origin);
        StoredTensors tensors = new StoredTensors(stored);
        return new Checkpoint(origin, config, tensors, TokenizerCheck.read(dir.resolve("tokenizer.json")));
    }

    /** The safetensors files of a folder: the single file, or every shard its index names (each must exist). */
    public static java.util.List<Path> weightFiles(Path dir) throws IOException {
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return java.util.List.of(single);
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (it has pytorch_model.bin: only safetensors weights are read; convert them, e.g. with"
                    + " transformers' save_pretrained(..., safe_serialization=True))" : "";
            throw new IllegalArgumentException(dir + ": neither model.safetensors nor model.safetensors.index.json"
                    + " found" + hint);
        }
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(Files.readString(index)).path("weight_map");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(index + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!map.isObject() || map.isEmpty()) throw new IllegalArgumentException(index + ": no 'weight_map'");
        TreeSet<String> shards = new TreeSet<>();
        map.elements().forEachRemaining(v -> shards.add(v.asText()));
        java.util.List<Path> files = new java.util.ArrayList<>();
        for (String shard : shards) {
            // As the Hub client refuses it: an index names files of its own folder, never ../ or an absolute path.
            Path f;
            try {
                f = dir.resolve(shard).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                f = null;
            }
            if (f == null || shard.isEmpty() || Path.of(shard).isAbsolute() || !f.startsWith(dir.normalize())
                    || f.equals(dir.normalize()) || shard.contains("\\")) {
                throw new IllegalArgumentException(index + ": shard '" + shard + "' is not a file of the model folder"
                        + " (an index may name only files beside it)");
            }
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(index + ": shard '" + shard + "' is missing (" + f + ")");
            }
            files.add(f);
        }
        return files;
    }

    private static void validate(String origin, ArchConfig config, Map<String, StoredTensor> tensors, String tokenizer) {
        config.shapes().forEach((name, shape) -> {
            // Shapes of stored tensors come from the headers: validating reads no weights.
            long[] actual = tensors instanceof StoredTensors s ? s.shape(name)
                    : tensors.containsKey(name) ? tensors.get(name).shape() : null;
            if (actual == null) throw new IllegalArgumentException(origin + ": tensor '" + name + "' is missing");
            if (!Arrays.equals(actual, shape)) {
                throw new IllegalArgumentException(origin + ": tensor '" + name + "' has shape "
                        + Arrays.toString(actual) + " but the config needs " + Arrays.toString(shape));
            }
        });
        String head = config.lmHeadName();
        long[] headShape = head == null ? null : tensors instanceof StoredTensors s ? s.shape(head)
                : tensors.containsKey(head) ? tensors.get(head).shape() : null;
        long[] want = {config.vocabSize(), config.hidden()};
        if (headShape != null && !Arrays.equals(headShape, want)) {
            throw new IllegalArgumentException(origin + ": LM head '" + head + "' has shape "
                    + Arrays.toString(headShape) + " but the config needs " + Arrays.toString(want));
        }
        int tokens = tokenizerVocabSize(tokenizer);
        if (tokens > config.vocabSize()) {
            throw new IllegalArgumentException(origin + ": the tokenizer has " + tokens + " tokens but the token"
                    + " embedding matrix has " + config.vocabSize() + " rows (a tokenizer of another model?)");
        }
    }

    private static StoredTensor require(String origin, Map<String, StoredTensor> tensors, String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(origin + ": tensor '" + name + "' is missing");
        return t;
    }

    /** Highest token id + 1 over the model's vocabulary and the added tokens. */
    public static int tokenizerVocabSize(String tokenizerJson) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(tokenizerJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer.json is not valid JSON: " + e.getMessage(), e);
        }
        int max = -1;
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isArray()) {
            max = vocab.size() - 1; // Unigram: a list of [piece, score]
        } else {
            for (Iterator<JsonNode> ids = vocab.elements(); ids.hasNext(); ) max = Math.max(max, ids.next().asInt());
        }
        for (JsonNode added : json.path("added_tokens")) max = Math.max(max, added.path("id").asInt());
        return max + 1;
    }
}
