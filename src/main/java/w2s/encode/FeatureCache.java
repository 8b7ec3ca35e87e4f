package w2s.encode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import w2s.base.Progress;

/**
 * Frozen features on disk, reused across runs: one directory per feature definition (encoder, model artifact,
 * resolved layer, pooling, token limit), holding vectors keyed by a hash of each text. A run on another subset of
 * the same texts (another seed or split) only extracts the texts no earlier run saw; a run on seen texts extracts
 * nothing and never opens an ONNX session.
 *
 * <p>Extraction stores a new segment file every {@value #CHUNK} texts (see {@link Segment}), so concurrent runs
 * never write the same file and an interrupted run keeps what it finished; past {@value #MAX_SEGMENTS} segments
 * they are merged into one. Encoders opened here stay open for later calls until {@link #close}.
 */
public final class FeatureCache implements AutoCloseable {
    static final int MAX_SEGMENTS = 16;
    static final int CHUNK = 4096;
    // Part of every directory key: bump it when the meaning of stored vectors changes (pooling, tokenization).
    private static final String FORMAT = "w2s-features-1";

    private final Path dir;
    private final Map<String, Extractor> encoders = new HashMap<>();
    private long extracted;

    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Texts run through an encoder by this cache so far (cache misses). */
    public synchronized long extracted() {
        return extracted;
    }

    /** Encoders this cache has opened so far; 0 after runs served entirely from disk. */
    public synchronized int encodersOpened() {
        return encoders.size();
    }

    /**
     * One feature vector per text, in input order, read from disk where present and extracted (then stored)
     * otherwise. Each returned row is a fresh array the caller may modify.
     *
     * @param showProgress draw a progress bar on standard error while extracting
     */
    public synchronized float[][] features(FeatureSpec spec, List<String> texts, boolean showProgress) {
        FeatureSource encoder = FeatureSource.of(spec.encoder());
        return features(spec, new int[] {encoder.layer(spec.layer())}, texts, showProgress).get(0);
    }

    /**
     * The features of several layers (the spec's own layer is ignored), element k for {@code layers[k]}: texts that
     * any of the layers lacks are run through the encoder once, all layers read from that one pass.
     */
    public synchronized List<float[][]> features(FeatureSpec spec, int[] layers, List<String> texts,
                                                 boolean showProgress) {
        FeatureSource encoder = FeatureSource.of(spec.encoder());
        for (int layer : layers) encoder.checkLayer(layer);
        OnnxEncoder.checkPooling(spec.pooling());
        encoder.checkMaxTokens(spec.maxTokens());

        TextKey[] keys = new TextKey[texts.size()];
        for (int i = 0; i < keys.length; i++) keys[i] = TextKey.of(texts.get(i), i, texts.size());
        Path[] keyDirs = new Path[layers.length];
        List<Map<TextKey, float[]>> found = new ArrayList<>();
        Map<TextKey, String> missing = new LinkedHashMap<>();
        for (int k = 0; k < layers.length; k++) {
            keyDirs[k] = dir.resolve(directoryName(encoder, layers[k], spec));
            Map<TextKey, float[]> stored = Segment.load(keyDirs[k], encoder.hidden(), new HashSet<>(Arrays.asList(keys)));
            found.add(stored);
            for (int i = 0; i < keys.length; i++) {
                if (!stored.containsKey(keys[i])) missing.putIfAbsent(keys[i], texts.get(i));
            }
        }
        if (!missing.isEmpty()) {
            List<TextKey> newKeys = new ArrayList<>(missing.keySet());
            List<String> todo = new ArrayList<>(missing.values());
            String what = layers.length == 1 ? "layer " + layers[0] : layers.length + " layers";
            boolean[] wrote = new boolean[layers.length];
            Progress progress = showProgress
                    ? new Progress("features " + spec.encoder() + " " + what, todo.size(), "texts")
                    : Progress.silent();
            try (progress) {
                // Stored chunk by chunk, so an interrupted long extraction resumes where it stopped.
                for (int from = 0; from < todo.size(); from += CHUNK) {
                    int to = Math.min(todo.size(), from + CHUNK);
                    float[][][] vectors = encoder(encoder).encodeLayers(todo.subList(from, to), layers,
                            spec.pooling(), spec.maxTokens(), spec.left(), progress);
                    List<TextKey> chunkKeys = newKeys.subList(from, to);
                    for (int k = 0; k < layers.length; k++) {
                        // A layer stores only what it lacked: another layer's gap is not a reason to write twice.
                        List<TextKey> storeKeys = new ArrayList<>();
                        List<float[]> storeVectors = new ArrayList<>();
                        for (int i = 0; i < chunkKeys.size(); i++) {
                            if (found.get(k).putIfAbsent(chunkKeys.get(i), vectors[k][i]) == null) {
                                storeKeys.add(chunkKeys.get(i));
                                storeVectors.add(vectors[k][i]);
                            }
                        }
                        if (!storeKeys.isEmpty()) {
                            store(keyDirs[k], storeKeys, storeVectors.toArray(float[][]::new), encoder.hidden());
                            wrote[k] = true;
                        }
                    }
                    extracted += to - from;
                }
            }
            for (int k = 0; k < layers.length; k++) if (wrote[k]) mergeIfFragmented(keyDirs[k], encoder.hidden());
        }

        List<float[][]> out = new ArrayList<>();
        for (int k = 0; k < layers.length; k++) {
            float[][] layer = new float[keys.length][];
            for (int i = 0; i < keys.length; i++) layer[i] = found.get(k).get(keys[i]).clone();
            out.add(layer);
        }
        return out;
    }

    private static void store(Path keyDir, List<TextKey> keys, float[][] vectors, int dim) {
        try {
            Files.createDirectories(keyDir);
            Segment.write(keyDir, keys, vectors, dim);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write features to " + keyDir, e);
        }
    }

    private static void mergeIfFragmented(Path keyDir, int dim) {
        try {
            List<Path> segments = Segment.list(keyDir);
            if (segments.size() > MAX_SEGMENTS) Segment.merge(keyDir, segments, dim);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot merge feature segments in " + keyDir, e);
        }
    }

    private Extractor encoder(FeatureSource source) {
        return encoders.computeIfAbsent(source.name() + "\n" + source.identity(), key -> source.opener().get());
    }

    /** Readable prefix for humans, hash of everything that determines the vectors for uniqueness. */
    static String directoryName(FeatureSource encoder, int layer, FeatureSpec spec) {
        String key = String.join("\n", FORMAT, encoder.name(), encoder.identity(), "layer=" + layer,
                "pooling=" + spec.pooling(), "maxTokens=" + spec.maxTokens())
                // Only a non-default truncation is part of the key, so existing caches stay valid.
                + (spec.left() ? "\ntruncate=left" : "");
        String hash = HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8)), 0, 6);
        // A folder path or hub id as the name: keep its last part, readable and safe as a file name.
        String name = encoder.name().replaceAll("[/\\\\]+$", "");
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
                .replaceAll("[^A-Za-z0-9._@-]", "_");
        return String.format(Locale.ROOT, "%s-L%d-%s-%d-%s", name, layer, spec.pooling(), spec.maxTokens(), hash);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public synchronized void close() {
        encoders.values().forEach(Extractor::close);
        encoders.clear();
    }

    /** First 128 bits of the SHA-256 of a text's UTF-8 bytes: collisions are out of reach at any corpus size. */
    record TextKey(long high, long low) {
        static TextKey of(String text, int index, int count) {
            OnnxEncoder.checkText(text, index, count);
            java.nio.ByteBuffer hash = java.nio.ByteBuffer.wrap(sha256(text.getBytes(StandardCharsets.UTF_8)));
            return new TextKey(hash.getLong(), hash.getLong());
        }
    }
}
