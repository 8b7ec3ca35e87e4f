package w2s.finetune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order in which fine-tuning reads its training rows, as the openai reference reads them: one seeded shuffle,
 * repeated for every epoch, cut into consecutive batches that may span an epoch boundary.
 */
public final class BatchOrder {
    private final List<Integer> order = new ArrayList<>();
    private final int batchSize;
    private long position;

    /** Batches of {@code min(batchSize, n)} of the rows 0 … n−1, shuffled with {@code seed}. */
    public BatchOrder(int n, int batchSize, long seed) {
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        this.batchSize = Math.min(batchSize, n);
    }

    /** The next batch's row indices. */
    public int[] next() {
        int[] batch = new int[batchSize];
        for (int i = 0; i < batchSize; i++) batch[i] = order.get((int) (position++ % order.size()));
        return batch;
    }
}
