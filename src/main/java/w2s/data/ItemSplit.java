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
 * binary-task settings and are refused for these tasks before a split is drawn.
 */
public record ItemSplit(List<Item> a, List<Item> b, List<Item> test) {

    public static ItemSplit of(ItemTask task, SplitConfig config) {
        if (config.balance()) throw new DataException("--balance applies to binary tasks, not to " + task.kind().id()
                + " task " + task.name());
        if (config.nVal().count() != null && config.nVal().count() > 0) {
            throw new DataException("--n-val applies to binary tasks, not to " + task.kind().id() + " task " + task.name());
        }
        Random testRandom = new Random(config.varyTest() ? config.seed() : Split.TEST_SEED);
        List<Item> test;
        List<Item> pool;
        if (!task.test().isEmpty()) {
            test = take(shuffled(task.test(), testRandom), task.test().size(), config.nTest(), "--n-test",
                    "task " + task.name() + " has " + task.test().size() + " test items");
            pool = task.train();
        } else {
            List<Item> all = shuffled(task.train(), testRandom);
            int most = all.size() / 2;
            test = take(all, most, config.nTest(), "--n-test", "task " + task.name() + " has " + all.size()
                    + " items and no test split, so at most half of them, " + most + ", can be test items");
            pool = all.subList(test.size(), all.size());
        }
        pool = shuffled(pool, new Random(config.seed()));
        List<Item> train = take(pool, pool.size(), config.nTrain(), "--n-train", "task " + task.name() + " has "
                + pool.size() + " training items" + (task.test().isEmpty() ? " (after the test items)" : ""));
        int half = train.size() / 2;
        ItemSplit split = new ItemSplit(train.subList(0, half), train.subList(half, train.size()), test);
        if (split.a().isEmpty() || split.b().isEmpty() || test.isEmpty()) {
            throw new DataException("task " + task.name() + ": too few items to split into A, B and test ("
                    + split.a().size() + ", " + split.b().size() + ", " + test.size() + ")");
        }
        return split;
    }

    private static List<Item> take(List<Item> items, int most, SplitSize size, String option, String has) {
        int n = Math.min(size.limit(most), most);
        if (!size.cap() && size.count() > most) {
            throw new DataException(option + " " + size.count() + ": " + has + "; use at most " + most + " or "
                    + option + " all");
        }
        return List.copyOf(items.subList(0, n));
    }

    private static List<Item> shuffled(List<Item> items, Random random) {
        List<Item> copy = new ArrayList<>(items);
        Collections.shuffle(copy, random);
        return copy;
    }
}
