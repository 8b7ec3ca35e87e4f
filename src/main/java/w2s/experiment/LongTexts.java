package w2s.experiment;

import java.util.ArrayList;
import java.util.List;

import w2s.data.Example;
import w2s.data.Task;
import w2s.encode.TokenCounts;

/**
 * {@code --long-texts}: what happens to documents longer than the strong model's token limit. "truncate" (the
 * default) cuts them when they are tokenized (on the side {@code --truncate} names); "drop" removes them before the
 * split, as the openai code does, and the result counts what was dropped.
 */
public final class LongTexts {
    public static final List<String> VALUES = List.of("truncate", "drop");

    private LongTexts() {}

    /** Checks a --long-texts value: null or "truncate" (the default) give null, "drop" gives "drop". */
    public static String parse(String value) {
        if (value == null || value.equals("truncate")) return null;
        if (value.equals("drop")) return "drop";
        throw new IllegalArgumentException("unknown --long-texts '" + value + "'; valid values: truncate, drop");
    }

    /** How many documents were dropped from the task's training and test documents. */
    public record Dropped(int train, int test) {}

    /** The task without the documents whose token counts exceed the limit, and how many those were. */
    public record Result(Task task, Dropped dropped) {}

    /** Drops the documents of a task longer than {@code maxTokens} tokens of {@code model}'s tokenizer. */
    public static Result drop(Task task, String model, int maxTokens) {
        List<Example> train = keep(task.train(), model, maxTokens);
        List<Example> test = keep(task.test(), model, maxTokens);
        Dropped dropped = new Dropped(task.train().size() - train.size(), task.test().size() - test.size());
        return new Result(new Task(task.name(), train, test, task.pairs(), task.provenance()), dropped);
    }

    private static List<Example> keep(List<Example> examples, String model, int maxTokens) {
        if (examples.isEmpty()) return examples;
        int[] counts = TokenCounts.of(model, examples.stream().map(Example::text).toList());
        List<Example> kept = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) if (counts[i] <= maxTokens) kept.add(examples.get(i));
        return kept;
    }
}
