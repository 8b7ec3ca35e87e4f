package w2s.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.base.Json;
import w2s.model.arch.Tokens;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/** --truncate left keeps the end of a long text and its special tokens; only a non-default changes cache keys. */
class TruncationTest {
    private static final String LONG = "The question comes first and then a long passage that goes on and on about "
            + "the weather, which was unusually warm for the season, until at last the answer: forty two.";

    @Test
    void leftTruncationOfABundledEncoderKeepsClsSepAndTheEnd() {
        String json = TokenCounts.tokenizerJson("minilm-l6");
        long[] full = Tokens.encode(json, 512, List.of(LONG))[0].ids();
        assertTrue(full.length > 20, "the text is long: " + full.length);
        try (OnnxEncoder minilm = OnnxEncoder.open("minilm-l6")) {
            long[] right = minilm.tokenize(List.of(LONG), 10)[0];
            long[] left = minilm.tokenize(List.of(LONG), 10, true)[0];
            assertEquals(10, right.length);
            assertEquals(10, left.length);
            assertArrayEquals(Arrays.copyOf(full, 9), Arrays.copyOf(right, 9));
            // [CLS], the last eight content tokens, [SEP].
            assertEquals(full[0], left[0]);
            assertEquals(full[full.length - 1], left[9]);
            assertArrayEquals(Arrays.copyOfRange(full, full.length - 9, full.length - 1), Arrays.copyOfRange(left, 1, 9));
            // A short text is the same either way.
            assertArrayEquals(minilm.tokenize(List.of("Hello"), 10)[0], minilm.tokenize(List.of("Hello"), 10, true)[0]);
            assertEquals(full.length, minilm.tokenCounts(List.of(LONG))[0]);
            assertArrayEquals(new int[] {full.length}, TokenCounts.of("minilm-l6", List.of(LONG)));
        }
    }

    @Test
    void leftTruncationOfTheTinyGpt2KeepsTheEnd() throws Exception {
        String json = Files.readString(Path.of("src/test/resources/tiny/gpt2/tokenizer.json"));
        Tokens.Encoded full = Tokens.encode(json, 10_000, List.of(LONG))[0];
        int[] count = Tokens.count(json, List.of(LONG));
        assertEquals(full.length(), count[0]);
        Tokens.Encoded left = Tokens.encode(json, 12, List.of(LONG), true)[0];
        Tokens.Encoded right = Tokens.encode(json, 12, List.of(LONG))[0];
        assertEquals(12, left.length());
        assertEquals(12, right.length());
        long[] ids = full.ids();
        assertArrayEquals(Arrays.copyOfRange(ids, ids.length - 8, ids.length),
                Arrays.copyOfRange(left.ids(), 4, 12), "the end is kept");
        assertNotEquals(Arrays.toString(right.ids()), Arrays.toString(left.ids()));
        assertEquals(ids[0], right.ids()[0]);
    }

    @Test
    void keepEndKeepsSpecialTokensOnBothSides() {
        Tokens.Encoded full = new Tokens.Encoded(new long[] {101, 1, 2, 3, 4, 5, 6, 102}, new long[8]);
        Tokens.Encoded cut = Tokens.keepEnd(full, new long[] {1, 2, 3, 4, 5, 6}, 5);
        assertArrayEquals(new long[] {101, 4, 5, 6, 102}, cut.ids());
        assertEquals(5, cut.typeIds().length);
        // A BOS only, as some decoders add.
        Tokens.Encoded bos = new Tokens.Encoded(new long[] {0, 1, 2, 3, 4}, new long[5]);
        assertArrayEquals(new long[] {0, 3, 4}, Tokens.keepEnd(bos, new long[] {1, 2, 3, 4}, 3).ids());
        // No special tokens.
        Tokens.Encoded none = new Tokens.Encoded(new long[] {1, 2, 3, 4}, new long[4]);
        assertArrayEquals(new long[] {3, 4}, Tokens.keepEnd(none, new long[] {1, 2, 3, 4}, 2).ids());
    }

    @Test
    void onlyANonDefaultTruncationChangesTheCacheKeyAndTheJson() {
        FeatureSource minilm = FeatureSource.of("minilm-l6");
        FeatureSpec plain = new FeatureSpec("minilm-l6", "last", "mean", 256);
        FeatureSpec right = new FeatureSpec("minilm-l6", "last", "mean", 256, "right");
        FeatureSpec left = new FeatureSpec("minilm-l6", "last", "mean", 256, "left");
        assertEquals(plain, right);
        assertEquals(FeatureCache.directoryName(minilm, 6, plain), FeatureCache.directoryName(minilm, 6, right));
        assertNotEquals(FeatureCache.directoryName(minilm, 6, plain), FeatureCache.directoryName(minilm, 6, left));

        ModelConfig probe = Models.defaults("minilm-l6", "probe");
        assertFalse(Json.compact(probe).contains("truncate"), Json.compact(probe));
        assertEquals(probe, probe.withTruncate("right"));
        ModelConfig leftProbe = probe.withTruncate("left");
        assertTrue(Json.compact(leftProbe).contains("\"truncate\":\"left\""), Json.compact(leftProbe));
        assertTrue(leftProbe.features().left());
        assertEquals("left", leftProbe.withTrain(leftProbe.train()).truncate());

        String error = assertThrows(IllegalArgumentException.class,
                () -> new FeatureSpec("minilm-l6", "last", "mean", 256, "middle")).getMessage();
        assertTrue(error.contains("--truncate") && error.contains("right, left"), error);
    }
}
