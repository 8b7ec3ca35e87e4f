package w2s.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;

import w2s.base.Json;

/**
 * Products of expensive stages (weak labels, trained ceilings) stored under the hash of everything that produced
 * them. An entry is written atomically and carries its own key and the SHA-256 of its value; one that cannot be read
 * back whole, whose checksum does not match, whose value is null or fails the caller's check is ignored with a message
 * naming the file and recomputed, never trusted.
 */
public final class StageCache {
    /** Bump when a change to the code changes what a stage produces for the same inputs. */
    static final int VERSION = 1;

    private static final ObjectMapper EXACT = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final Path dir;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public StageCache(Path root) {
        this.dir = root.resolve("stages");
    }

    /**
     * The hash of a stage's inputs: any record or map that Jackson can serialise. How often training is watched
     * ({@code eval_every} of any {@link w2s.train.TrainConfig} inside) changes no trained model, only how many test
     * accuracies its curve records, so no key holds it: it enters every key as 0, the value of runs without a curve,
     * whose cached entries keep their keys. This is the one place that decides it for stage keys, results and sweep
     * cells alike.
     */
    public static String key(Object inputs) {
        try {
            JsonNode tree = Json.MAPPER.valueToTree(inputs);
            withoutEvalCadence(tree);
            byte[] bytes = (VERSION + "\n" + Json.compact(tree)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void withoutEvalCadence(JsonNode node) {
        if (node.isObject() && node.has("eval_every")) ((ObjectNode) node).put("eval_every", 0);
        node.forEach(StageCache::withoutEvalCadence);
    }

    public <T> Optional<T> get(String key, Class<T> type) {
        return get(key, type, v -> null);
    }

    /**
     * The entry stored under the key, if it is whole and passes {@code check} (which returns what is wrong with a
     * value, or null). A damaged entry is reported on standard error, naming its file, and treated as absent.
     */
    public <T> Optional<T> get(String key, Class<T> type, Function<T, String> check) {
        Path file = dir.resolve(key + ".json");
        if (!Files.exists(file)) return Optional.empty();
        String problem;
        try {
            JsonNode node = Json.MAPPER.readTree(file.toFile());
            if (node == null || !node.isObject()) problem = "not a cache entry";
            else if (!key.equals(node.path("key").asText())) problem = "its key does not match its file name";
            else if (!node.hasNonNull("sha256")) problem = "no checksum (written by an older version)";
            else if (node.get("value") == null || node.get("value").isNull()) problem = "its value is null";
            else if (!checksum(node.get("value")).equals(node.get("sha256").asText())) problem = "checksum mismatch";
            else {
                T value = Json.MAPPER.treeToValue(node.get("value"), type);
                problem = value == null ? "its value is null" : check.apply(value);
                if (problem == null) return Optional.of(value);
            }
        } catch (IOException | RuntimeException e) {
            problem = "unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        System.err.println("w2s: ignoring damaged cache entry " + file + ": " + problem + "; recomputing it");
        return Optional.empty();
    }

    public void put(String key, Object value) {
        // Written with NaN kept (as the string "NaN"): an entry must read back exactly as it was put, and a cached
        // result's undefined PGR must not come back as 0.
        try {
            // The checksum is over the value as it will be read back (its JSON tree, written compactly), so number
            // formatting cannot make a whole entry look damaged.
            JsonNode tree = EXACT.readTree(EXACT.writeValueAsBytes(value));
            Json.writeAtomically(dir.resolve(key + ".json"),
                    EXACT.writeValueAsBytes(new Entry(key, checksum(tree), tree)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String checksum(JsonNode value) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(EXACT.writeValueAsBytes(value)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The cached value, or else computes, stores and returns it. Concurrent callers with the same key wait for the
     * first one instead of training the same model twice.
     */
    public <T> T computeIfAbsent(String key, Class<T> type, Supplier<T> compute) {
        return computeIfAbsent(key, type, v -> null, compute);
    }

    /** As above; a cached value that fails {@code check} is reported and recomputed. */
    public <T> T computeIfAbsent(String key, Class<T> type, Function<T, String> check, Supplier<T> compute) {
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            return get(key, type, check).orElseGet(() -> {
                T value = compute.get();
                put(key, value);
                return value;
            });
        }
    }

    record Entry(String key, String sha256, JsonNode value) {}
}
