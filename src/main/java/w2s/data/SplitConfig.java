package w2s.data;

/**
 * How a task's documents are split.
 *
 * @param seed      seed of the shuffle that picks the training documents and halves them into A and B
 * @param nTrain    training documents to use (halved into A and B); fewer are used if the task has fewer
 * @param nTest     test documents to use; held out from the training documents when the task has no test set
 * @param balance   undersample the majority class to 50/50 in the training pool and in the test set
 * @param varyTest  draw the test set with {@code seed} too; by default it is fixed, the same for every seed (see
 *                  {@link Split#TEST_SEED})
 */
public record SplitConfig(long seed, int nTrain, int nTest, boolean balance, boolean varyTest) {
    public SplitConfig {
        if (nTrain < 4) throw new IllegalArgumentException("--n-train must be at least 4, got " + nTrain);
        if (nTest < 2) throw new IllegalArgumentException("--n-test must be at least 2, got " + nTest);
    }

    /** A split whose test set is the same for every seed. */
    public SplitConfig(long seed, int nTrain, int nTest, boolean balance) {
        this(seed, nTrain, nTest, balance, false);
    }
}
