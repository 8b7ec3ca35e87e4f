package w2s.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The disjoint sets of the experiment: A trains the weak supervisor (and, by default, the ceiling), the weak
 * supervisor labels B and the student trains on B, and every model is evaluated on the test set. The validation set
 * (empty unless {@code --n-val}) is carved from the training documents before A and B, for early stopping.
 */
public record Split(List<Example> a, List<Example> b, List<Example> test, List<Example> val) {

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

    /** A seeded split of a task; every part must hold both classes. */
    public static Split of(Task task, SplitConfig config) {
        Random random = new Random(config.seed());
        List<Example> pool = shuffled(task.train(), random);
        List<Example> test;
        if (task.hasTestSet()) {
            test = take(shuffled(task.test(), random), config.nTest(), config.balance()).taken();
        } else {
            // The test set is held out first, so that nTrain does not change which documents are test documents.
            Taken heldOut = take(pool, Math.min(config.nTest(), pool.size() / 2), config.balance());
            test = heldOut.taken();
            pool = heldOut.rest();
        }
        List<Example> val = List.of();
        if (config.nVal() > 0) {
            // Carved first, so that nTrain does not change which documents validate.
            if (config.nVal() + 4 > pool.size()) {
                throw new DataException("task " + task.name() + ": --n-val " + config.nVal() + " leaves too few of the "
                        + pool.size() + " training documents" + (task.hasTestSet() ? "" : " (after the test set)")
                        + " for A and B; use at most " + Math.max(0, pool.size() - 4));
            }
            Taken held = take(pool, config.nVal(), config.balance());
            val = held.taken();
            pool = held.rest();
        }
        List<Example> train = take(pool, config.nTrain(), config.balance()).taken();
        int half = train.size() / 2;
        Split split = new Split(train.subList(0, half), train.subList(half, train.size()), test, val);
        split.check(task.name());
        if (!val.isEmpty()) checkPart(task.name(), "validation (--n-val)", val);
        return split;
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
