package w2s.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * The disjoint sets of the experiment: A trains the weak supervisor (and, by default, the ceiling), the weak
 * supervisor labels B and the student trains on B, and every model is evaluated on the test set. The validation set
 * (empty unless {@code --n-val}) is carved from the training documents before A and B, for early stopping.
 */
public record Split(List<Example> a, List<Example> b, List<Example> test, List<Example> val) {
    /**
     * Seed of the one shuffle that picks the test set, whatever the run's seed: the test documents are the first
     * n_test of the task's test split (or, for a task without one, of all its documents) in this fixed order, so
     * every seed of an experiment is scored on the same documents, as in the openai code (which takes the first
     * n_test rows). Only {@link SplitConfig#varyTest()} draws them with the run's seed instead.
     */
    public static final long TEST_SEED = 0x7e57L;

    public Split {
        a = List.copyOf(a);
        b = List.copyOf(b);
        test = List.copyOf(test);
        val = val == null ? List.of() : List.copyOf(val);
    }

    public Split(List<Example> a, List<Example> b, List<Example> test) {
        this(a, b, test, List.of());
    }

    /** The same split with another B (label repair and calibration take documents out of it). */
    public Split withB(List<Example> newB) {
        return new Split(a, newB, test, val);
    }

    /**
     * A seeded split of a task; every part must hold both classes. The test set comes first, from its own shuffle
     * (fixed unless the configuration varies it), then the run's seed shuffles the remaining documents, which are
     * cut to nTrain and halved into A and B. A size the user gave that the task cannot meet is a {@link DataException}
     * that says how many documents there are; a default is a cap, and "all" takes every document (at most half the
     * documents of a task without a test split go to test). The split's own sizes say what was used.
     */
    public static Split of(Task task, SplitConfig config) {
        Random testRandom = new Random(config.varyTest() ? config.seed() : TEST_SEED);
        boolean balance = config.balance();
        List<Example> test;
        List<Example> pool;
        if (task.hasTestSet()) {
            int all = task.test().size();
            test = take(shuffled(task.test(), testRandom), all, "--n-test", config.nTest(), balance,
                    available -> "task " + task.name() + " has " + count(all) + " test documents"
                            + balanced(balance, available, all)).taken();
            pool = task.train();
        } else {
            // The test set is held out first, so that nTrain does not change which documents are test documents.
            int all = task.train().size();
            Taken heldOut = take(shuffled(task.train(), testRandom), all / 2, "--n-test", config.nTest(), balance,
                    available -> "task " + task.name() + " has " + count(all) + " documents and no test split, so at "
                            + "most half of them, " + count(all / 2) + ", can be test documents"
                            + balanced(balance, available, all / 2));
            test = heldOut.taken();
            pool = heldOut.rest();
        }
        pool = shuffled(pool, new Random(config.seed()));
        List<Example> val = List.of();
        int nVal = config.nVal().count();
        if (config.nVal().cap()) nVal = Math.min(nVal, pool.size() / 2);
        if (nVal > 0) {
            // Carved first, so that nTrain does not change which documents validate.
            if (nVal + 4 > pool.size()) {
                throw new DataException("task " + task.name() + ": --n-val " + nVal + " leaves too few of the "
                        + pool.size() + " training documents" + (task.hasTestSet() ? "" : " (after the test set)")
                        + " for A and B; use at most " + Math.max(0, pool.size() - 4));
            }
            Taken held = take(pool, nVal, balance);
            val = held.taken();
            pool = held.rest();
        }
        int poolSize = pool.size();
        List<String> heldOutFirst = new ArrayList<>();
        if (!task.hasTestSet()) heldOutFirst.add(count(test.size()) + " test");
        if (!val.isEmpty()) heldOutFirst.add(count(val.size()) + " validation");
        String after = heldOutFirst.isEmpty() ? ""
                : " (after the " + String.join(" and ", heldOutFirst) + " documents)";
        List<Example> train = take(pool, poolSize, "--n-train", config.nTrain(), balance,
                available -> "task " + task.name() + " has " + count(poolSize) + " training documents" + after
                        + balanced(balance, available, poolSize)).taken();
        int half = train.size() / 2;
        Split split = new Split(train.subList(0, half), train.subList(half, train.size()), test, val);
        split.check(task.name());
        if (!val.isEmpty()) checkPart(task.name(), "validation (--n-val)", val);
        return split;
    }

    /**
     * The documents {@code option}'s size takes from examples, of which at most {@code most} may be taken. A size the
     * user gave that they cannot meet is refused with what {@code has} says of the documents, given how many could be
     * taken.
     */
    private static Taken take(List<Example> examples, int most, String option, SplitSize size, boolean balance,
                              IntFunction<String> has) {
        int n = Math.min(size.limit(most), most);
        Taken taken = take(examples, n, balance);
        // Balancing takes n/2 of each class, so an odd number asks for one fewer.
        int asked = balance ? size.limit(most) / 2 * 2 : size.limit(most);
        if (!size.cap() && taken.taken().size() < asked) {
            int available = take(examples, most, balance).taken().size();
            throw new DataException(option + " " + size.count() + ": " + has.apply(available) + "; use at most "
                    + available + " or " + option + " all");
        }
        return taken;
    }

    /** A count of documents as prose shows it: 3,210. */
    private static String count(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** What balancing leaves of the documents, when it leaves fewer. */
    private static String balanced(boolean balance, int available, int documents) {
        return balance && available < documents ? ", " + count(available) + " of them with the classes balanced "
                + "(--balance)" : "";
    }

    private record Taken(List<Example> taken, List<Example> rest) {}

    /**
     * The first n examples in order (all of them if there are fewer, as the reference does), or with balancing, the
     * first n/2 of each class (as many as the minority class has), keeping the order.
     */
    private static Taken take(List<Example> examples, int n, boolean balance) {
        long positives = examples.stream().filter(e -> e.label() == 1).count();
        long perClass = Math.min(n / 2, Math.min(positives, examples.size() - positives));
        List<Example> taken = new ArrayList<>();
        List<Example> rest = new ArrayList<>();
        long[] count = new long[2];
        for (Example e : examples) {
            boolean room = balance ? count[e.label()] < perClass : taken.size() < n;
            if (room) {
                count[e.label()]++;
                taken.add(e);
            } else {
                rest.add(e);
            }
        }
        return new Taken(taken, rest);
    }

    private void check(String task) {
        checkPart(task, "A (weak training half)", a);
        checkPart(task, "B (transfer half)", b);
        checkPart(task, "test", test);
    }

    private static void checkPart(String task, String part, List<Example> examples) {
        if (examples.isEmpty()) throw new DataException("task " + task + ": split " + part + " is empty");
        long positives = examples.stream().filter(e -> e.label() == 1).count();
        if (positives == 0 || positives == examples.size()) {
            throw new DataException("task " + task + ": split " + part + " has only class "
                    + (positives == 0 ? 0 : 1) + " (" + examples.size() + " examples); both classes are needed");
        }
    }

    private static List<Example> shuffled(List<Example> examples, Random random) {
        List<Example> copy = new ArrayList<>(examples);
        Collections.shuffle(copy, random);
        return copy;
    }
}
