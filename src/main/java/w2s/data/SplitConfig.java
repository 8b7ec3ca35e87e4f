package w2s.data;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a task's documents are split.
 *
 * @param seed      seed of the shuffle that picks the training documents and halves them into A and B
 * @param nTrain    training documents to use (halved into A and B): a number the task must have, a cap (the defaults
 *                  and presets) or all; see {@link SplitSize}
 * @param nTest     test documents to use, likewise; held out from the training documents when the task has no test
 *                  set (at most half of them)
 * @param balance   undersample the majority class to 50/50 in the training pool and in the test set
 * @param varyTest  draw the test set with {@code seed} too; by default it is fixed, the same for every seed (see
 *                  {@link Split#TEST_SEED})
 * @param nVal      validation documents carved from the training documents before A and B (0: none), for early
 *                  stopping: a number the task must leave room for, or a cap (a preset's), which takes at most half
 *                  of the training documents; in JSON its number, left out when 0, so earlier configurations keep
 *                  their keys (null reads as none)
 */
public record SplitConfig(long seed, SplitSize nTrain, SplitSize nTest, boolean balance, boolean varyTest,
                          @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = NoValidation.class)
                          SplitSize nVal) {
    /** No validation set. */
    public static final SplitSize NO_VALIDATION = SplitSize.exactly(0);

    public SplitConfig {
        if (nVal == null) nVal = NO_VALIDATION;
        if (nTrain == null || nTest == null) throw new IllegalArgumentException("split sizes must be given");
        if (nTrain.count() != null && nTrain.count() < 4) {
            throw new IllegalArgumentException("--n-train must be at least 4 (or all), got " + nTrain.count());
        }
        if (nTest.count() != null && nTest.count() < 2) {
            throw new IllegalArgumentException("--n-test must be at least 2 (or all), got " + nTest.count());
        }
        if (nVal.count() == null) throw new IllegalArgumentException("--n-val takes a number of documents, not all");
        if (nVal.count() < 0) throw new IllegalArgumentException("--n-val must be 0 or more, got " + nVal.count());
    }

    /** Leaves {@code n_val} out of the JSON when there is no validation set. */
    static final class NoValidation {
        @Override
        public boolean equals(Object value) {
            return value == null || (value instanceof SplitSize s && Integer.valueOf(0).equals(s.count()));
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Sizes the task must have, a test set the same for every seed, no validation set. */
    public SplitConfig(long seed, int nTrain, int nTest, boolean balance) {
        this(seed, nTrain, nTest, balance, false, 0);
    }

    /** Training and test sizes as given, a validation set of exactly {@code nVal} documents (0: none). */
    public SplitConfig(long seed, SplitSize nTrain, SplitSize nTest, boolean balance, boolean varyTest, int nVal) {
        this(seed, nTrain, nTest, balance, varyTest, SplitSize.exactly(nVal));
    }

    /** Sizes the task must have, with a validation set of {@code nVal} documents. */
    public SplitConfig(long seed, int nTrain, int nTest, boolean balance, int nVal) {
        this(seed, nTrain, nTest, balance, false, nVal);
    }

    /** Sizes the task must have, a test set drawn with the seed when {@code varyTest}. */
    public SplitConfig(long seed, int nTrain, int nTest, boolean balance, boolean varyTest) {
        this(seed, nTrain, nTest, balance, varyTest, 0);
    }

    /** Sizes the task must have. */
    public SplitConfig(long seed, int nTrain, int nTest, boolean balance, boolean varyTest, int nVal) {
        this(seed, SplitSize.exactly(nTrain), SplitSize.exactly(nTest), balance, varyTest, nVal);
    }
}
