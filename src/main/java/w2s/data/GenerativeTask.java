package w2s.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generative task (the paper's chess puzzles): the model reads a prompt and writes an answer, scored by an exact
 * match of the normalised text. A task file holds JSON Lines (or CSV, Parquet) rows {@code {id, prompt, answer}},
 * with an optional {@code answers} list when several answers are right; {@code w2s tasks make chess} writes them.
 */
public record GenerativeTask(String name, List<Completion> train, List<Completion> test, Provenance provenance) {

    public GenerativeTask {
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** A seeded split into halves A and B and a test set, drawn as {@link ItemSplit} draws one. */
    public record Split(List<Completion> a, List<Completion> b, List<Completion> test) {}

    public Split split(SplitConfig config) {
        ItemSplit.Parts<Completion> parts = ItemSplit.draw("generative task " + name, train, test, config);
        return new Split(parts.a(), parts.b(), parts.test());
    }

    /** Whether a task file's rows are prompts and answers (its first row has both columns). */
    public static boolean isGenerative(List<Row> rows) {
        return !rows.isEmpty() && rows.get(0).has("prompt") && rows.get(0).has("answer");
    }

    /** Whether a task file's rows are prompts and answers (its first row has both), read from that row alone. */
    public static boolean isGenerative(Path file) {
        Row first = Rows.first(file);
        return first != null && isGenerative(List.of(first));
    }

    /**
     * The generative task of a file and its test file (null: a test set is held out of the file), or null when the
     * file's rows are not prompts and answers. Every row is checked: a missing or empty prompt or answer, an
     * {@code answers} list that is not a list of non-empty strings, or a duplicate id is an error naming the row.
     */
    public static GenerativeTask load(Path trainFile, Path testFile) {
        List<Row> train = new ArrayList<>();
        String hash = Rows.read(trainFile, train::add);
        if (!isGenerative(train)) return null;
        List<Row> test = new ArrayList<>();
        if (testFile != null) hash += "+" + Rows.read(testFile, test::add);
        Set<String> ids = new HashSet<>();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("schema", "generative: prompt, answer (answers)");
        if (testFile != null) details.put("test_file", testFile.toString());
        String name = trainFile.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        return new GenerativeTask(name, completions(train, "", ids), completions(test, "test:", ids),
                new Provenance("file", trainFile.toString(), "unknown", hash, details));
    }

    private static List<Completion> completions(List<Row> rows, String prefix, Set<String> ids) {
        List<Completion> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            String id = prefix + (r.index() + 1);
            if (r.has("id")) {
                if (!r.fields().get("id").isValueNode()) throw r.bad("id", "expected a string or a number");
                id = r.fields().get("id").asText();
            }
            if (!ids.add(id)) throw r.bad("id", "duplicate id '" + id + "'");
            String prompt = r.string("prompt");
            if (prompt.isEmpty()) throw r.bad("prompt", "empty prompt");
            String answer = r.string("answer");
            if (answer.isBlank()) throw r.bad("answer", "empty answer");
            List<String> answers = new ArrayList<>(List.of(answer));
            if (r.has("answers")) {
                for (String a : r.strings("answers")) {
                    if (a.isBlank()) throw r.bad("answers", "holds an empty answer");
                    if (!answers.contains(a)) answers.add(a);
                }
            }
            out.add(new Completion(id, prompt, answers));
        }
        return out;
    }
}
