package w2s.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the task kinds of {@link ItemTask} from files (JSON Lines, CSV or Parquet, as {@link Rows} reads them):
 * <ul>
 *   <li>K classes: columns {@code text} and {@code label}, the label an integer 0..K−1 or a class name (names are
 *       numbered in sorted order); K is the number of classes of the training file, every one of 0..K−1 present
 *       (K ≥ 3) for integers. A file whose labels are all 0/1 or false/true, or whose integers leave a class out, is
 *       a binary task (with a bad label) and is left to {@link TaskFiles}.</li>
 *   <li>multiple choice: {@code question} (or {@code prompt}), {@code choices} (a list of at least two strings) and
 *       {@code answer} (the right choice's index from 0, or its text);</li>
 *   <li>feature-matrix labels: {@code id} and {@code label} only; the vectors come from feature files.</li>
 * </ul>
 * Preference pairs are read by {@link TaskFiles} and the converters, and turned into choice items by
 * {@link #choices}. Every problem stops the load with the file, line and column; ids default to the row's position
 * from 1 ("test:" in front in a separate test file) and must be unique across both files.
 */
public final class ItemTasks {
    private ItemTasks() {}

    /** The K-class or multiple-choice task of a file (and its test file), or null if the file is a binary or pair task. */
    public static ItemTask load(Path trainFile, Path testFile) {
        List<Row> train = rows(trainFile);
        Row first = train.get(0);
        boolean choice = first.has("choices");
        if (!choice && !(first.has("text") && first.has("label") && !binary(train))) return null;
        List<Row> test = testFile == null ? List.of() : rows(testFile);
        String name = trainFile.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        Set<String> ids = new HashSet<>();
        Map<String, String> details = new LinkedHashMap<>();
        if (testFile != null) details.put("test_file", testFile.toString());
        String hash = sha(trainFile) + (testFile == null ? "" : "+" + sha(testFile));
        if (choice) {
            details.put("schema", "multiple choice: question, choices, answer");
            return new ItemTask(name, ItemTask.Kind.CHOICE, List.of(), choices(train, "", ids), choices(test, "test:", ids),
                    new Provenance("file", trainFile.toString(), "unknown", hash, details));
        }
        details.put("schema", "K classes: text, label");
        Classes classes = Classes.of(train, trainFile);
        List<Item> trainItems = classItems(train, "", ids, classes, true);
        List<Item> testItems = classItems(test, "test:", ids, classes, true);
        return new ItemTask(name, ItemTask.Kind.CLASSES, classes.names(), trainItems, testItems,
                new Provenance("file", trainFile.toString(), "unknown", hash, details));
    }

    /**
     * The labels of a feature-matrix task: {@code id, label} rows (and a separate test file of the same shape, if
     * given); every id must have a vector in each feature file.
     */
    public static ItemTask features(Path labelsFile, Path testFile) {
        List<Row> train = rows(labelsFile);
        List<Row> test = testFile == null ? List.of() : rows(testFile);
        for (Row r : train) if (!r.has("id")) throw r.bad("id", "missing: a feature task's labels file has id, label");
        for (Row r : test) if (!r.has("id")) throw r.bad("id", "missing: a feature task's labels file has id, label");
        Classes classes = Classes.of(train, labelsFile);
        Set<String> ids = new HashSet<>();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("schema", "feature matrix: id, label (vectors from --features files)");
        if (testFile != null) details.put("test_file", testFile.toString());
        String hash = sha(labelsFile) + (testFile == null ? "" : "+" + sha(testFile));
        return new ItemTask(labelsFile.getFileName().toString().replaceFirst("\\.[^.]+$", ""), ItemTask.Kind.FEATURES,
                classes.names(), classItems(train, "", ids, classes, false), classItems(test, "test:", ids, classes, false),
                new Provenance("file", labelsFile.toString(), "unknown", hash, details));
    }

    /**
     * A preference-pair task as choice items: each pair's chosen and rejected documents as two candidates, the chosen
     * first (a shared scalar head has no notion of position, and ties are scored as half right). The items keep the
     * ids of the pairs, and a pair is a test item when the binary task put it in its test set.
     */
    public static ItemTask choices(Task task) {
        if (task.pairs().isEmpty()) throw new DataException("task " + task.name() + " has no preference pairs");
        Set<String> testIds = new HashSet<>();
        for (Example e : task.test()) testIds.add(e.id());
        List<Item> train = new ArrayList<>();
        List<Item> test = new ArrayList<>();
        for (PreferencePair p : task.pairs()) {
            Item item = new Item(p.id(), List.of(p.chosen(), p.rejected()), 0);
            (testIds.contains(p.id()) ? test : train).add(item);
        }
        Map<String, String> details = new LinkedHashMap<>(task.provenance().details());
        details.put("kind", "choice: preference pairs, chosen over rejected");
        Provenance p = task.provenance();
        return new ItemTask(task.name(), ItemTask.Kind.CHOICE, List.of(), train, test,
                new Provenance(p.source(), p.location(), p.license(), p.sha256(), details));
    }

    private static List<Row> rows(Path file) {
        List<Row> rows = new ArrayList<>();
        Rows.read(file, rows::add);
        if (rows.isEmpty()) throw new DataException(file + ": no examples");
        return rows;
    }

    private static String sha(Path file) {
        return Rows.read(file, r -> {});
    }

    /**
     * Whether a text file is binary, so {@link TaskFiles} reads it (and reports its bad labels as it always has): all
     * labels 0/1 or false/true, or integers that do not number every class 0..K−1 with K ≥ 3 (a stray 3 among 0s
     * and 1s is a typo in a binary file, not a 4-class task). Class names other than false/true make a K-class task.
     */
    private static boolean binary(List<Row> rows) {
        Set<Integer> numbers = new HashSet<>();
        for (Row r : rows) {
            JsonNode n = r.fields().get("label");
            if (n == null || n.isNull() || n.isBoolean()) continue;
            String v = n.asText().strip().toLowerCase(java.util.Locale.ROOT);
            if (List.of("0", "1", "0.0", "1.0", "true", "false", "-1", "").contains(v)) continue;
            Integer i = Classes.integer(n);
            if (i == null) return !n.isTextual();
            numbers.add(i);
        }
        if (numbers.isEmpty()) return true;
        int max = numbers.stream().max(Integer::compare).orElse(0);
        for (int k = 2; k <= max; k++) if (!numbers.contains(k)) return true;
        return numbers.stream().anyMatch(k -> k < 0);
    }

    /** How labels read: integers 0..K−1 (K from the training file), or names numbered in sorted order. */
    private record Classes(List<String> names, boolean named, Path file) {
        static Classes of(List<Row> train, Path file) {
            boolean named = false;
            int max = -1;
            TreeSet<String> names = new TreeSet<>();
            for (Row r : train) {
                JsonNode n = r.fields().get("label");
                if (n == null || n.isNull() || (n.isTextual() && n.textValue().isBlank())) throw r.bad("label", "missing");
                Integer i = integer(n);
                if (i == null) {
                    if (!n.isTextual()) throw r.bad("label", "expected a class number 0..K−1 or a class name, found " + n);
                    named = true;
                    names.add(n.textValue().strip());
                } else {
                    if (i < 0) throw r.bad("label", "class " + i + " is outside 0..K−1");
                    max = Math.max(max, i);
                }
                if (named && i != null) throw r.bad("label", "a class number (" + i + ") in a file of class names");
                if (!named && !names.isEmpty()) throw r.bad("label", "mixes class numbers and names");
            }
            if (named) return new Classes(List.copyOf(names), true, file);
            List<String> numbered = new ArrayList<>();
            for (int k = 0; k <= max; k++) numbered.add(Integer.toString(k));
            if (numbered.size() < 2) throw new DataException(file + ": one class only; a task needs at least two");
            return new Classes(numbered, false, file);
        }

        int index(Row r) {
            JsonNode n = r.fields().get("label");
            if (n == null || n.isNull() || (n.isTextual() && n.textValue().isBlank())) throw r.bad("label", "missing");
            Integer i = integer(n);
            if (named) {
                int k = i == null && n.isTextual() ? names.indexOf(n.textValue().strip()) : -1;
                if (k < 0) {
                    throw r.bad("label", "class '" + n.asText() + "' is not among the " + names.size() + " classes of "
                            + file + " (" + String.join(", ", names) + "): K differs between the files");
                }
                return k;
            }
            if (i == null || i < 0 || i >= names.size()) {
                throw r.bad("label", "class " + n.asText() + " is outside 0.." + (names.size() - 1) + " (K = "
                        + names.size() + ", from " + file + ")");
            }
            return i;
        }

        static Integer integer(JsonNode n) {
            if (n.isIntegralNumber() && n.canConvertToInt()) return n.intValue();
            if (n.isTextual()) {
                try {
                    return Integer.parseInt(n.textValue().strip());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }
    }

    private static String id(Row row, String prefix, Set<String> ids) {
        String id = prefix + (row.index() + 1);
        if (row.has("id")) {
            if (!row.fields().get("id").isValueNode()) throw row.bad("id", "expected a string or a number");
            id = row.fields().get("id").asText();
        }
        if (!ids.add(id)) throw row.bad("id", "duplicate id '" + id + "'");
        return id;
    }

    private static List<Item> classItems(List<Row> rows, String prefix, Set<String> ids, Classes classes,
                                         boolean text) {
        List<Item> items = new ArrayList<>();
        for (Row r : rows) {
            String id = id(r, prefix, ids);
            List<String> texts = List.of();
            if (text) {
                String t = r.string("text");
                if (t.isBlank()) throw r.bad("text", "empty text");
                texts = List.of(t);
            }
            items.add(new Item(id, texts, classes.index(r)));
        }
        return items;
    }

    private static List<Item> choices(List<Row> rows, String prefix, Set<String> ids) {
        List<Item> items = new ArrayList<>();
        for (Row r : rows) {
            String id = id(r, prefix, ids);
            String question = r.has("question") ? r.string("question") : r.has("prompt") ? r.string("prompt") : "";
            if (!r.has("choices")) throw r.bad("choices", "missing");
            List<String> choices = r.strings("choices");
            if (choices.size() < 2) {
                throw r.bad("choices", "item " + id + " has " + choices.size() + " candidate" + (choices.size() == 1
                        ? "" : "s") + "; a choice item needs at least two");
            }
            for (int c = 0; c < choices.size(); c++) {
                if (choices.get(c).isBlank()) throw r.bad("choices", "item " + id + ": choice " + c + " is empty");
            }
            if (!r.has("answer")) throw r.bad("answer", "missing");
            JsonNode a = r.fields().get("answer");
            int answer;
            if (a.isIntegralNumber()) {
                answer = a.intValue();
                if (answer < 0 || answer >= choices.size()) {
                    throw r.bad("answer", "item " + id + ": answer " + answer + " is not among its " + choices.size()
                            + " choices (0.." + (choices.size() - 1) + ")");
                }
            } else {
                answer = choices.indexOf(a.asText());
                if (answer < 0) {
                    throw r.bad("answer", "item " + id + ": answer '" + a.asText() + "' is not among its choices "
                            + choices);
                }
            }
            List<String> texts = new ArrayList<>();
            for (String c : choices) texts.add(question.isBlank() ? c : question.strip() + "\n\n" + c.strip());
            items.add(new Item(id, texts, answer));
        }
        return items;
    }
}
