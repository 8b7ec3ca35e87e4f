package w2s.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Progress;
import w2s.encode.FeatureCache.TextKey;

class FeatureCacheTest {
    // The int8 MiniLM is the quickest bundled encoder to open.
    static final FeatureSpec SPEC = new FeatureSpec("minilm-l6-q", "middle", "mean", 64);
    static final List<String> TEXTS = List.of("The cat sat on the mat.", "Hello there.",
            "Their going to the store tomorrow.", "She don't like apples.", "We has finished the report.");

    @TempDir
    Path dir;

    static void assertSameRows(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], actual[i]);
    }

    @Test
    void aLaterRunOnSeenTextsExtractsNothing() {
        float[][] first;
        try (FeatureCache cache = new FeatureCache(dir)) {
            first = cache.features(SPEC, TEXTS, false);
            assertEquals(TEXTS.size(), cache.extracted());
            assertEquals(1, cache.encodersOpened());
        }
        try (FeatureCache cache = new FeatureCache(dir)) {
            // Another split: a subset in another order, with "3" naming the same layer as "middle".
            List<String> subset = List.of(TEXTS.get(3), TEXTS.get(0));
            float[][] again = cache.features(new FeatureSpec("minilm-l6-q", "3", "mean", 64), subset, false);
            assertEquals(0, cache.extracted());
            assertEquals(0, cache.encodersOpened());
            assertSameRows(new float[][] {first[3], first[0]}, again);

            List<String> more = new ArrayList<>(TEXTS);
            more.add("An unseen sentence.");
            more.add("Another unseen one.");
            float[][] extended = cache.features(SPEC, more, false);
            assertEquals(2, cache.extracted());
            assertSameRows(first, Arrays.copyOf(extended, TEXTS.size()));
        }
    }

    @Test
    void storedVectorsAreTheEncodersOwn() {
        float[][] direct;
        try (OnnxEncoder encoder = OnnxEncoder.open(SPEC.encoder())) {
            direct = encoder.encode(TEXTS, SPEC, w2s.base.Progress.silent());
        }
        try (FeatureCache cache = new FeatureCache(dir)) {
            cache.features(SPEC, TEXTS, false);
        }
        try (FeatureCache cache = new FeatureCache(dir)) {
            assertSameRows(direct, cache.features(SPEC, TEXTS, false));
            assertEquals(0, cache.extracted());
        }
    }

    @Test
    void severalLayersComeFromOnePassAndMatchEachLayerAlone() {
        // The fp32 model: the int8 one quantizes activations by each batch's range, so its vectors depend on the batch.
        FeatureSpec fp32 = new FeatureSpec("minilm-l6", "middle", "mean", 64);
        int[] layers = {0, 2, 6};
        List<float[][]> together;
        try (FeatureCache cache = new FeatureCache(dir)) {
            cache.features(fp32, new int[] {2}, TEXTS.subList(0, 2), false); // layer 2 already has two texts
            together = cache.features(fp32, layers, TEXTS, false);
            assertEquals(2 + TEXTS.size(), cache.extracted(), "one pass for the texts any layer lacked");
        }
        try (OnnxEncoder encoder = OnnxEncoder.open(fp32.encoder())) {
            for (int k = 0; k < layers.length; k++) {
                float[][] alone = encoder.encode(TEXTS, layers[k], fp32.pooling(), fp32.maxTokens(), Progress.silent());
                for (int i = 0; i < alone.length; i++) {
                    for (int d = 0; d < alone[i].length; d++) {
                        assertEquals(alone[i][d], together.get(k)[i][d], 1e-4, "layer " + layers[k] + " text " + i);
                    }
                }
            }
        }
        try (FeatureCache cache = new FeatureCache(dir)) {
            assertSameRows(together.get(1), cache.features(new FeatureSpec("minilm-l6", "2", "mean", 64), TEXTS,
                    false));
            assertEquals(0, cache.extracted(), "every layer was stored by the shared pass");
        }
    }

    @Test
    void otherFeatureDefinitionsAreKeptApart() {
        try (FeatureCache cache = new FeatureCache(dir)) {
            float[][] middle = cache.features(SPEC, TEXTS, false);
            float[][] last = cache.features(new FeatureSpec("minilm-l6-q", "last", "mean", 64), TEXTS, false);
            assertEquals(2L * TEXTS.size(), cache.extracted());
            assertFalse(Arrays.equals(middle[0], last[0]));
        }
    }

    @Test
    void duplicateTextsAreExtractedOnceAndReturnedAsSeparateRows() {
        try (FeatureCache cache = new FeatureCache(dir)) {
            float[][] rows = cache.features(SPEC, List.of("Same text.", "Other text.", "Same text."), false);
            assertEquals(2, cache.extracted());
            assertArrayEquals(rows[0], rows[2]);
            assertNotSame(rows[0], rows[2]);
        }
    }

    @Test
    void truncatedOrAlteredFilesAreDiscardedAndRecomputed() throws IOException {
        float[][] first;
        try (FeatureCache cache = new FeatureCache(dir)) {
            first = cache.features(SPEC, TEXTS, false);
        }
        for (String damage : List.of("truncate", "flip")) {
            Path segment = segments().get(0);
            if (damage.equals("truncate")) {
                try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() - 100);
                }
            } else {
                byte[] bytes = Files.readAllBytes(segment);
                bytes[bytes.length / 2] ^= 1;
                Files.write(segment, bytes);
            }
            try (FeatureCache cache = new FeatureCache(dir)) {
                assertSameRows(first, cache.features(SPEC, TEXTS, false));
                assertEquals(TEXTS.size(), cache.extracted(), damage);
            }
            assertFalse(Files.exists(segment), damage);
            assertEquals(1, segments().size(), damage);
        }
    }

    @Test
    void emptyTextsAndBadSpecsFailBeforeAnyWork() {
        try (FeatureCache cache = new FeatureCache(dir)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> cache.features(SPEC, List.of("fine", ""), false));
            assertTrue(e.getMessage().contains("text 1 of 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> cache.features(new FeatureSpec("nope", "last", "mean", 64), TEXTS, false));
            assertThrows(IllegalArgumentException.class,
                    () -> cache.features(new FeatureSpec("minilm-l6-q", "9", "mean", 64), TEXTS, false));
            assertThrows(IllegalArgumentException.class,
                    () -> cache.features(new FeatureSpec("minilm-l6-q", "last", "sum", 64), TEXTS, false));
            assertEquals(0, cache.encodersOpened());
        }
    }

    /** A task-sized cache (5,000 texts) must load far faster than any extraction: well under a second. */
    @Test
    void loadingFiveThousandVectorsIsFast() throws IOException {
        FeatureSource encoder = FeatureSource.of(SPEC.encoder());
        int dim = encoder.hidden();
        List<String> texts = IntStream.range(0, 5000).mapToObj(i -> "Synthetic sentence number " + i + ".").toList();
        Random random = new Random(7);
        float[][] vectors = new float[texts.size()][dim];
        for (float[] v : vectors) for (int d = 0; d < dim; d++) v[d] = random.nextFloat();
        List<TextKey> keys = IntStream.range(0, texts.size())
                .mapToObj(i -> TextKey.of(texts.get(i), i, texts.size())).toList();
        Path keyDir = dir.resolve(FeatureCache.directoryName(encoder, encoder.layer(SPEC.layer()), SPEC));
        Files.createDirectories(keyDir);
        Segment.write(keyDir, keys, vectors, dim);

        try (FeatureCache cache = new FeatureCache(dir)) {
            cache.features(SPEC, texts.subList(0, 10), false); // class loading and JIT warm-up
            long start = System.nanoTime();
            float[][] loaded = cache.features(SPEC, texts, false);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(0, cache.encodersOpened());
            assertSameRows(vectors, loaded);
            assertTrue(seconds < 0.5, "loading 5,000 vectors took " + seconds + " s");
        }
    }

    @Test
    void manySegmentsAreMergedIntoOne() throws IOException {
        int dim = 4;
        Files.createDirectories(dir);
        for (int s = 0; s <= FeatureCache.MAX_SEGMENTS; s++) {
            TextKey key = TextKey.of("text " + s, 0, 1);
            Segment.write(dir, List.of(key), new float[][] {{s, s, s, s}}, dim);
        }
        Segment.merge(dir, Segment.list(dir), dim);
        assertEquals(1, Segment.list(dir).size());
        Map<TextKey, float[]> all = Segment.read(Segment.list(dir), dim, null);
        assertEquals(FeatureCache.MAX_SEGMENTS + 1, all.size());
        assertArrayEquals(new float[] {5, 5, 5, 5}, all.get(TextKey.of("text 5", 0, 1)));
    }

    private List<Path> segments() throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".f32")).toList();
        }
    }
}
