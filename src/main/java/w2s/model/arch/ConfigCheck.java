package w2s.model.arch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A config.json checked before anything is allocated: its sizes in range, then against the tensors its checkpoint
 * holds (names and shapes, from the safetensors headers alone). A config from a stranger can otherwise ask for a
 * million layers (minutes and gigabytes before any error), a negative layer count, or a rotary base that turns
 * every vector into NaN.
 */
public final class ConfigCheck {
    private ConfigCheck() {}

    /** Integer sizes of the configs read here: each, when given (null means "the default"), is a positive int. */
    private static final List<String> SIZES = List.of("vocab_size", "n_embd", "n_layer", "n_head", "n_inner",
            "n_positions", "n_ctx", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
            "intermediate_size", "max_position_embeddings", "head_dim", "type_vocab_size");
    /** Rotary bases: finite and positive (a negative base gives NaN angles). */
    private static final List<String> BASES = List.of("rope_theta", "rotary_emb_base");
    /** Normalisation epsilons: finite and not negative. */
    private static final List<String> EPSILONS = List.of("layer_norm_epsilon", "layer_norm_eps", "rms_norm_eps");

    /**
     * Refuses sizes, rotary bases and epsilons out of range, and head counts that do not divide, naming the file
     * ({@code where}), the field and the value. Called by {@link Architectures#read} before an architecture reads
     * the config.
     */
    static void ranges(JsonNode c, String where) {
        for (String f : SIZES) {
            JsonNode v = c.get(f);
            if (v == null || v.isNull()) continue;
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
                throw new IllegalArgumentException(where + ": " + f + " is " + brief(v) + "; it must be a positive"
                        + " integer (below 2^31)");
            }
        }
        List<JsonNode> rotary = new ArrayList<>(List.of(c));
        for (String nested : List.of("rope_parameters", "rope_scaling")) {
            if (c.path(nested).isObject()) rotary.add(c.get(nested));
        }
        for (JsonNode r : rotary) {
            String prefix = r == c ? "" : (r == c.get("rope_parameters") ? "rope_parameters." : "rope_scaling.");
            for (String f : BASES) number(r.get(f), where, prefix + f, false);
        }
        for (String f : EPSILONS) number(c.get(f), where, f, true);
        String hidden = c.has("n_embd") ? "n_embd" : "hidden_size";
        String heads = c.has("n_head") ? "n_head" : "num_attention_heads";
        if (c.path(hidden).canConvertToInt() && c.path(heads).canConvertToInt() && c.path("head_dim").isMissingNode()
                && c.get(hidden).asInt() % c.get(heads).asInt() != 0) {
            throw new IllegalArgumentException(where + ": " + hidden + " " + c.get(hidden) + " is not a multiple of "
                    + heads + " " + c.get(heads));
        }
        if (c.path(heads).canConvertToInt() && c.path("num_key_value_heads").canConvertToInt()
                && c.get(heads).asInt() % c.get("num_key_value_heads").asInt() != 0) {
            throw new IllegalArgumentException(where + ": " + heads + " " + c.get(heads) + " is not a multiple of"
                    + " num_key_value_heads " + c.get("num_key_value_heads"));
        }
    }

    private static void number(JsonNode v, String where, String field, boolean zeroAllowed) {
        if (v == null || v.isNull()) return;
        double d = v.isNumber() ? v.asDouble() : Double.NaN;
        if (!Double.isFinite(d) || d < 0 || (d == 0 && !zeroAllowed)) {
            throw new IllegalArgumentException(where + ": " + field + " is " + brief(v) + "; it must be a finite "
                    + (zeroAllowed ? "number, not negative" : "positive number"));
        }
    }

    /**
     * Reads a model folder's config.json and checks it against the headers of its safetensors files (no weights are
     * read): what describing a model ({@code w2s models DIR}) needs before it counts parameters from the config.
     */
    public static ArchConfig read(Path dir) throws IOException {
        Path configJson = dir.resolve("config.json");
        ArchConfig config = Architectures.read(configJson);
        List<Path> files = Checkpoint.weightFiles(dir);
        Map<String, Safetensors.Stored> stored = new LinkedHashMap<>();
        for (Path file : files) {
            Safetensors.index(file).forEach((name, t) -> {
                String key = config.canonicalName(name);
                if (key != null) stored.putIfAbsent(key, t);
            });
        }
        String origin = (files.size() == 1 ? files.get(0) : dir.resolve("model.safetensors.index.json")).toString();
        agrees(configJson, config, stored, origin);
        return config;
    }

    /** The first numbered component of a canonical name ({@code h.3.}, {@code layers.3.}, {@code encoder.layer.3.}). */
    private static final Pattern LAYER = Pattern.compile("^((?:[A-Za-z_]+\\.)+)(\\d{1,9})\\.");

    /**
     * Refuses a config whose layer count or sizes disagree with the tensors present ({@code stored}: canonical name →
     * where it lies), naming the config's field and value and the weights file ({@code origin}); reports tensors the
     * architecture does not read. The layer count is compared first, from names alone, so that a config asking for a
     * million layers is refused before their shapes are listed.
     */
    static void agrees(Path configJson, ArchConfig config, Map<String, Safetensors.Stored> stored, String origin)
            throws IOException {
        JsonNode json = new ObjectMapper().readTree(Files.readString(configJson));
        TreeSet<Integer> layers = new TreeSet<>();
        String prefix = null;
        for (String name : stored.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(2)));
                if (prefix == null) prefix = m.group(1);
            }
        }
        String layersField = json.has("n_layer") ? "n_layer" : "num_hidden_layers";
        if (layers.size() != config.layers()) {
            String held = layers.isEmpty() ? "no layers"
                    : layers.size() + " layer" + (layers.size() == 1 ? "" : "s") + " (" + prefix + layers.first()
                    + (layers.size() == 1 ? "" : " to " + prefix + layers.last()) + ")";
            throw new IllegalArgumentException(configJson + ": " + layersField + " is " + config.layers() + " but "
                    + origin + " holds " + held);
        }
        Map<String, long[]> shapes = config.shapes();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            Safetensors.Stored s = stored.get(e.getKey());
            if (s == null) throw new IllegalArgumentException(origin + ": tensor '" + e.getKey() + "' is missing");
            if (!Arrays.equals(s.shape(), e.getValue())) {
                throw new IllegalArgumentException(origin + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(s.shape()) + " but the config needs " + Arrays.toString(e.getValue())
                        + " (" + configJson + suspects(json, s.shape(), e.getValue()) + ")");
            }
        }
        List<String> unused = new ArrayList<>();
        for (String name : stored.keySet()) {
            if (!shapes.containsKey(name) && !name.equals(config.lmHeadName())) unused.add(name);
        }
        if (!unused.isEmpty() && WARNED.add(origin)) {
            System.err.println("w2s: warning: " + origin + ": " + unused.size() + " tensor"
                    + (unused.size() == 1 ? "" : "s") + " that " + config.modelType() + " does not read: "
                    + String.join(", ", unused.subList(0, Math.min(5, unused.size())))
                    + (unused.size() > 5 ? ", …" : ""));
        }
    }

    /** Weights files whose unused tensors were reported already: describing a model and loading it check twice. */
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The config's integer fields whose value is a dimension that disagrees: ": n_embd = 48", or "". */
    private static String suspects(JsonNode json, long[] actual, long[] expected) {
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            if (i < actual.length && actual[i] == expected[i]) continue;
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String s = f.getKey() + " = " + f.getValue();
                if (f.getValue().isIntegralNumber() && f.getValue().asLong() == expected[i] && !fields.contains(s)) {
                    fields.add(s);
                }
            }
        }
        return fields.isEmpty() ? "" : ": " + String.join(", ", fields);
    }

    private static String brief(JsonNode n) {
        String s = n.toString();
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }
}
