package w2s.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The seeded split of an {@link ItemTask}, drawn as {@link Split} draws a binary task's: the test set first from its
 * own shuffle (the same for every seed unless the configuration varies it; at most half the items of a task without
 * a test split), then the run's seed shuffles the rest, which are cut to nTrain and halved into A and B. A size given
 * that the task cannot meet is a {@link DataException}; a default is a cap. Class balancing and validation splits are
 * binary-task settings and are refused for these tasks before a split is drawn. Generative tasks split the same way
 * ({@link #draw}).
 */
public record ItemSplit(List<Item> a, List<Item> b, List<Item> test) {

    public static ItemSplit of(ItemTask task, SplitConfig config) {
        Parts<Item> parts = draw(task.kind().id() + " task " + task.name(), task.train(), task.test(), config, true);
        return new ItemSplit(parts.a(), parts.b(), parts.test());
    }

    /**
     * Every training item in B and none in A, the test set as {@link #of} draws it: for a pretrained weak supervisor
     * whose ceiling trains on B, where nothing would train on A (the reference's vision experiment trains the student
     * and the ceiling on the same 40,000 images).
     */
    public static ItemSplit allInB(ItemTask task, SplitConfig config) {
        Parts<Item> parts = draw(task.kind().id() + " task " + task.name(), task.train(), task.test(), config, false);
        return new ItemSplit(parts.a(), parts.b(), parts.test());
    }

    /** Halves A and B and a test set of any kind of item. */
    public record Parts<T>(List<T> a, List<T> b, List<T> test) {}

    /**
     * The split of a task's items as {@link #of} draws it, for any kind of item (K classes, choices, completions).
     *
     * @param what the task as messages name it, e.g. "classes task topics"
     */
    public static <T> Parts<T> draw(String what, List<T> trainItems, List<T> testItems, SplitConfig config) {
        return draw(what, trainItems, testItems, config, true);
    }

    private static <T> Parts<T> draw(String what, List<T> trainItems, List<T> testItems, SplitConfig config,
                                     boolean halves) {
        if (config.balance()) throw new DataException("--balance applies to binary tasks, not to " + what);
        if (config.nVal().count() != null && config.nVal().count() > 0) {
            throw new DataException("--n-val applies to binary tasks, not to " + what);
        }
        Random testRandom = new Random(config.varyTest() ? config.seed() : Split.TEST_SEED);
        List<T> test;
        List<T> pool;
        if (!testItems.isEmpty()) {
            test = take(shuffled(testItems, testRandom), testItems.size(), config.nTest(), "--n-test",
                    what + " has " + testItems.size() + " test items");
            pool = trainItems;
        } else {
            List<T> all = shuffled(trainItems, testRandom);
            int most = all.size() / 2;
            test = take(all, most, config.nTest(), "--n-test", what + " has " + all.size()
                    + " items and no test split, so at most half of them, " + most + ", can be test items");
            pool = all.subList(test.size(), all.size());
        }
        pool = shuffled(pool, new Random(config.seed()));
        List<T> train = take(pool, pool.size(), config.nTrain(), "--n-train", what + " has "
                + pool.size() + " training items" + (testItems.isEmpty() ? " (after the test items)" : ""));
        int half = halves ? train.size() / 2 : 0;
        Parts<T> split = new Parts<>(train.subList(0, half), train.subList(half, train.size()), test);
        if ((halves && split.a().isEmpty()) || split.b().isEmpty() || test.isEmpty()) {
            throw new DataException(what + ": too few items to split into A, B and test ("
                    + split.a().size() + ", " + split.b().size() + ", " + test.size() + ")");
        }
        return split;
    }

    private static <T> List<T> take(List<T> items, int most, SplitSize size, String option, String has) {
        int n = Math.min(size.limit(most), most);
        if (!size.cap() && size.count() > most) {
            throw new DataException(option + " " + size.count() + ": " + has + "; use at most " + most + " or "
                    + option + " all");
        }
        return List.copyOf(items.subList(0, n));
    }

    private static <T> List<T> shuffled(List<T> items, Random random) {
        List<T> copy = new ArrayList<>(items);
        Collections.shuffle(copy, random);
        return copy;
    }
}
