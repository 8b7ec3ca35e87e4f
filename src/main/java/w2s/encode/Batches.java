package w2s.encode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How extraction groups texts into batches: only texts of the same token count share a batch (longest first, at
 * most {@code max} a batch), so no text is ever padded. A text's vector then does not depend on which other texts were
 * extracted with it: padding changes the length that attention and pooling reduce over, and with it the rounding
 * (up to 2e-7 on a tiny GPT-2's mean-pooled states), so a sweep split into shards, each filling the feature cache
 * with its own subset of texts, gave metrics that differed from one process's in the ninth decimal.
 */
final class Batches {
    private Batches() {}

    /** Batches of indices into {@code lengths}, each of one length, longest first, input order within a length. */
    static List<int[]> ofEqualLength(int[] lengths, int max) {
        Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -lengths[i]));
        List<int[]> batches = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= order.length; i++) {
            if (i == order.length || lengths[order[i]] != lengths[order[from]] || i - from == max) {
                batches.add(Arrays.stream(order, from, i).mapToInt(Integer::intValue).toArray());
                from = i;
            }
        }
        return batches;
    }
}
