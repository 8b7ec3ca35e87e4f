package w2s.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import w2s.model.Pooling;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.train.Losses;

/** How prediction cuts its rows into padded groups, and that the cut changes no prediction. */
class PredictGroupsTest {
    static Tokens.Encoded[] ofLengths(int... lengths) {
        return Arrays.stream(lengths).mapToObj(n -> new Tokens.Encoded(new long[n], new long[n]))
                .toArray(Tokens.Encoded[]::new);
    }

    /** Padded tokens plus the cost of each group, as {@link FineTuner#groups} counts them. */
    static long cost(Tokens.Encoded[] rows, List<int[]> groups) {
        long c = 0;
        for (int[] g : groups) c += FineTuner.GROUP_COST + (long) g.length * rows[g[0]].length();
        return c;
    }

    @Test
    void everyRowOnceInGroupsOfAtMostMaxRowsLongestFirst() {
        Random random = new Random(3);
        for (int n : new int[] {1, 7, 43, 500}) {
            int[] lengths = random.ints(n, 5, 129).toArray();
            Tokens.Encoded[] rows = ofLengths(lengths);
            List<int[]> groups = FineTuner.groups(rows, 32);
            boolean[] seen = new boolean[n];
            int previous = Integer.MAX_VALUE;
            for (int[] g : groups) {
                assertTrue(g.length >= 1 && g.length <= 32, "a group of " + g.length);
                for (int r : g) {
                    assertTrue(!seen[r], "row " + r + " twice");
                    seen[r] = true;
                    assertTrue(lengths[r] <= previous, "not longest first");
                    previous = lengths[r];
                }
            }
            for (int r = 0; r < n; r++) assertTrue(seen[r], "row " + r + " missing");
            // Never dearer than cutting every 32 rows of the same order (the cut is the cheapest of all such cuts).
            int[] order = Tokens.byLength(rows, Tokens.all(rows));
            List<int[]> fixed = new ArrayList<>();
            for (int i = 0; i < n; i += 32) fixed.add(Arrays.copyOfRange(order, i, Math.min(n, i + 32)));
            assertTrue(cost(rows, groups) <= cost(rows, fixed), n + " rows");
        }
    }

    @Test
    void aLongOutlierIsNotPaddedOntoShortRows() {
        int[] lengths = new int[32];
        Arrays.fill(lengths, 20);
        lengths[17] = 128;
        List<int[]> groups = FineTuner.groups(ofLengths(lengths), 32);
        assertEquals(2, groups.size());
        assertArrayEquals(new int[] {17}, groups.get(0));
        assertEquals(31, groups.get(1).length);
    }

    /** Each text's probabilities are those it gets scored alone, in whatever group it lands. */
    @Test
    void groupingChangesNoPrediction() {
        Checkpoint checkpoint = FineTuneClassifierTest.MINILM.checkpoint();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < FineTuneClassifierTest.SENTENCES.size(); i++) {
            String s = FineTuneClassifierTest.SENTENCES.get(i).text();
            texts.add(i % 3 == 0 ? (s + ", ").repeat(1 + i % 5) + s : s);
        }
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 64, texts);
        try (FineTuner tuner = new FineTuner(checkpoint, new FineTuneConfig(Pooling.MEAN, 8, 0, 256, true, 4))) {
            double[][] labels = FineTuneClassifierTest.oneHot(FineTuneClassifierTest.SENTENCES);
            tuner.step(rows, labels, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, Losses.get("xent"), 0, 1e-3, 0, 0);
            double[][] together = tuner.predict(rows);
            for (int r = 0; r < rows.length; r++) {
                double[] alone = tuner.predict(new Tokens.Encoded[] {rows[r]})[0];
                assertArrayEquals(alone, together[r], 1e-5, "text " + r);
            }
            assertTrue(Math.abs(together[0][1] - together[1][1]) > 1e-4, "the step left every prediction alike");
        }
    }
}
