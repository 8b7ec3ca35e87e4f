package w2s.data;

import java.util.List;

/**
 * One item of a generative task: a prompt and the answers that count as right. Training writes the first one; any
 * of them matches (a chess puzzle with two winning moves, a question with spelling variants).
 *
 * @param id      the row's id (or its line number), unique in the task
 * @param prompt  what the model reads before it writes
 * @param answers the right answers, the one to train on first; never empty
 */
public record Completion(String id, String prompt, List<String> answers) {
    public Completion {
        answers = List.copyOf(answers);
        if (answers.isEmpty()) throw new IllegalArgumentException("item " + id + " has no answer");
    }

    /** The answer training writes. */
    public String answer() {
        return answers.get(0);
    }
}
