package w2s.data;

import java.util.List;

/**
 * A task of one of the paper's other settings: K classes of one text, a choice among an item's candidates
 * (preference pairs, multiple choice), or K classes of items given as feature vectors (the vision experiment's
 * shape). Binary tasks on one text stay {@link Task}s.
 *
 * @param classes the class names, K of them (for a choice task empty: each item has its own candidates)
 * @param test    a separate test set, or empty (a seeded hold-out is then taken from train)
 */
public record ItemTask(String name, Kind kind, List<String> classes, List<Item> train, List<Item> test,
                       Provenance provenance) {
    public enum Kind {
        /** K classes of one text. */
        CLASSES("classes"),
        /** A prompt and C ≥ 2 candidates, one of them right (preference pairs: C = 2, the chosen one first). */
        CHOICE("choice"),
        /** K classes of items whose inputs are vectors from feature files. */
        FEATURES("features");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    public ItemTask {
        classes = List.copyOf(classes);
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** K, the number of classes; 0 for a choice task. */
    public int k() {
        return classes.size();
    }

    public boolean choice() {
        return kind == Kind.CHOICE;
    }

    /** Whether every item is a preference pair (two candidates): its choice accuracy is pairwise accuracy. */
    public boolean pairs() {
        return choice() && train.stream().allMatch(i -> i.texts().size() == 2)
                && test.stream().allMatch(i -> i.texts().size() == 2);
    }
}
