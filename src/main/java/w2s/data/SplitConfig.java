package w2s.data;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a task's documents are split.
 *
 * @param seed    seed of the shuffle
 * @param nTrain  training documents to use (halved into A and B); fewer are used if the task has fewer
 * @param nTest   test documents to use; held out from the training documents when the task has no test set
 * @param balance undersample the majority class to 50/50 in the training pool and in the test set
 * @param nVal    validation documents carved from the training documents before A and B (0: none), for early
 *                stopping; left out of the JSON when 0, so earlier configurations keep their keys
 */
public record SplitConfig(long seed, int nTrain, int nTest, boolean balance,
                          @JsonInclude(JsonInclude.Include.NON_DEFAULT) int nVal) {
    public SplitConfig {
        if (nTrain < 4) throw new IllegalArgumentException("--n-train must be at least 4, got " + nTrain);
        if (nTest < 2) throw new IllegalArgumentException("--n-test must be at least 2, got " + nTest);
        if (nVal < 0) throw new IllegalArgumentException("--n-val must be 0 or more, got " + nVal);
    }

    public SplitConfig(long seed, int nTrain, int nTest, boolean balance) {
        this(seed, nTrain, nTest, balance, 0);
    }
}
