package w2s.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.base.Progress;
import w2s.encode.Extractor;
import w2s.encode.FeatureSource;

/** Which position each pooling reads; last-text skips an encoder's closing [SEP] and equals last on a decoder. */
class PoolingTest {

    @Test
    void lastTextReadsTheTokenBeforeTheClosingSpecialTokens() {
        // 5 real tokens padded to 7: [CLS] a b c [SEP] pad pad.
        assertArrayEquals(new float[] {0, 0, 0, 1, 0, 0, 0}, Pooling.LAST_TEXT.weights(5, 7, 1));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 0, 0}, Pooling.LAST.weights(5, 7, 1));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 0, 0}, Pooling.LAST_TEXT.weights(5, 7, 0), "decoders: the last");
        assertArrayEquals(new float[] {1, 0}, Pooling.LAST_TEXT.weights(1, 2, 1), "nothing before: the first");
        assertEquals(1, Pooling.closingTokens(false));
        assertEquals(0, Pooling.closingTokens(true));
    }

    @Test
    void namesRoundTripAndUnknownOnesListTheValidOnes() {
        for (Pooling p : Pooling.values()) assertEquals(p, Pooling.parse(p.id()));
        assertEquals("last-text", Pooling.LAST_TEXT.id());
        assertEquals(Pooling.LAST_TEXT, Pooling.parse("LAST_TEXT"));
        var e = assertThrows(IllegalArgumentException.class, () -> Pooling.parse("answer"));
        assertTrue(e.getMessage().contains("last-text"), e.getMessage());
    }

    @Test
    void onADecoderLastTextIsLast() {
        FeatureSource gpt2 = FeatureSource.of("src/test/resources/tiny/gpt2");
        List<String> texts = List.of("Is this review positive? Yes", "A short one");
        try (Extractor extractor = gpt2.opener().get()) {
            float[][][] last = extractor.encodeLayers(texts, new int[] {2}, "last", 32, Progress.silent());
            float[][][] lastText = extractor.encodeLayers(texts, new int[] {2}, "last-text", 32, Progress.silent());
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(last[0][i], lastText[0][i], 0f);
        }
    }
}
