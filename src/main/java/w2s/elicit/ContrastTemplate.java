package w2s.elicit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How an example of a binary task becomes a contrast pair, as "Discovering Latent Knowledge" builds them: a prompt
 * with the example's text at {@code {text}} and an answer at {@code {label}}, x⁻ answering with the first label word
 * and x⁺ with the second, so the two members of a pair differ only in the answer (e.g. "… Between negative and
 * positive, the sentiment of this example is negative" / "… positive"). Label 1 of an example means x⁺ is the true
 * member of its pair. Built-in templates come in families by task kind ({@link Kind}); {@link #forTask} picks the
 * family of a task by its name, and several templates are evaluated together with prompt ensembling.
 *
 * @param name        selects the template on the command line ("custom-N" for a template given verbatim)
 * @param kind        the task kind it is written for
 * @param template    the prompt, with {@code {text}} and {@code {label}}
 * @param labels      the two answers: [x⁻'s (label 0), x⁺'s (label 1)]
 */
public record ContrastTemplate(String name, Kind kind, String template, List<String> labels) {
    public static final String TEXT = "{text}";
    public static final String LABEL = "{label}";

    /** Kinds of binary task and what their label 1 means. */
    public enum Kind {
        SENTIMENT("sentiment / review rating: label 1 = positive"),
        STATEMENT("true/false statements: label 1 = true"),
        QA("question-answer pairs: label 1 = the answer is correct"),
        GRAMMAR("grammaticality: label 1 = acceptable"),
        PREFERENCE("preference pairs, one side shown: label 1 = the chosen side"),
        SPAM("spam detection: label 1 = spam"),
        GENERIC("any binary task: label 1 = the statement holds");

        public final String meaning;

        Kind(String meaning) {
            this.meaning = meaning;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Map<String, ContrastTemplate> BY_NAME = new LinkedHashMap<>();

    static {
        // Sentiment: the first is the DLK paper's own amazon/imdb prompt; the others are promptsource-style variants.
        add("sentiment-between", Kind.SENTIMENT,
                "{text}\nBetween negative and positive, the sentiment of this example is {label}", "negative", "positive");
        add("sentiment-question", Kind.SENTIMENT,
                "Consider the following example: {text}\nIs the sentiment of this example negative or positive? {label}",
                "negative", "positive");
        add("review-liked", Kind.SENTIMENT, "Review: {text}\nDid the reviewer like the product? {label}", "No", "Yes");
        add("review-good-bad", Kind.SENTIMENT, "{text}\nOverall, this review is {label}", "bad", "good");
        // True/false statements.
        add("true-false", Kind.STATEMENT, "{text} {label}", "False", "True");
        add("question", Kind.STATEMENT, "Is the following statement correct? {text} Answer: {label}", "No", "Yes");
        add("statement-true-false", Kind.STATEMENT, "{text}\nIs this statement true or false? {label}", "false", "true");
        add("statement-is", Kind.STATEMENT, "Statement: {text}\nThis statement is {label}", "false", "true");
        // Question-answer pairs (the text holds the question and a candidate answer).
        add("qa-correct", Kind.QA, "{text}\nIs the answer above correct? {label}", "No", "Yes");
        add("qa-true-false", Kind.QA, "{text}\nTrue or false: the answer is right. {label}", "False", "True");
        add("yes-no", Kind.QA, "{text}\n{label}", "No", "Yes");
        // Grammaticality.
        add("grammatical", Kind.GRAMMAR, "Is this sentence grammatical? {text} {label}", "No", "Yes");
        add("grammar-correct", Kind.GRAMMAR, "Sentence: {text}\nThis sentence is grammatically {label}",
                "incorrect", "correct");
        add("grammar-acceptable", Kind.GRAMMAR, "{text}\nIs this acceptable English? {label}", "No", "Yes");
        // Preference pairs (one side shown).
        add("preference-good", Kind.PREFERENCE, "{text}\nIs this a good response? {label}", "No", "Yes");
        add("preference-better", Kind.PREFERENCE, "{text}\nThe text above is {label}", "worse", "better");
        add("preference-correct", Kind.PREFERENCE, "{text}\nIs this text well written and correct? {label}", "No", "Yes");
        // Spam.
        add("spam-question", Kind.SPAM, "{text}\nIs this e-mail spam? {label}", "No", "Yes");
        add("spam-legit", Kind.SPAM, "{text}\nThis message is {label}", "legitimate", "spam");
        // Generic (any task: the label says whether the text's claim holds).
        add("generic-correct", Kind.GENERIC, "{text}\nIs this correct? {label}", "No", "Yes");
    }

    public ContrastTemplate {
        check(template, labels, "--template");
        labels = List.copyOf(labels);
    }

    private static void add(String name, Kind kind, String template, String negative, String positive) {
        BY_NAME.put(name, new ContrastTemplate(name, kind, template, List.of(negative, positive)));
    }

    /** The built-in family of a kind, in a stable order. */
    public static List<ContrastTemplate> family(Kind kind) {
        List<ContrastTemplate> out = new ArrayList<>();
        for (ContrastTemplate t : BY_NAME.values()) if (t.kind == kind) out.add(t);
        if (kind == Kind.GENERIC) {
            out.add(0, BY_NAME.get("question"));
            out.add(1, BY_NAME.get("true-false"));
        }
        return out;
    }

    /**
     * The kind of a task by its name: built-in tasks and converters whose texts are reviews, statements, question-
     * answer pairs, sentences to judge or one side of a preference pair; anything else (a user's file) is generic.
     */
    public static Kind kindOf(String task) {
        String t = task == null ? "" : task.toLowerCase(Locale.ROOT);
        if (t.equals("fine_foods") || t.equals("amazon_polarity") || t.equals("sst2") || t.contains("imdb")) {
            return Kind.SENTIMENT;
        }
        if (t.equals("subdivisions") || t.startsWith("ethics_")) return Kind.STATEMENT;
        if (t.equals("grammar") || t.equals("cola")) return Kind.GRAMMAR;
        if (t.equals("grammar_pref") || t.equals("anthropic_hh")) return Kind.PREFERENCE;
        if (t.startsWith("spam")) return Kind.SPAM;
        if (List.of("sciq", "sciq_with_support", "cosmos_qa", "boolq", "dream", "quail", "quartz", "social_i_qa",
                "openbookqa", "mc_taco", "multirc", "piqa", "hellaswag", "anli_r2", "wic", "paws").contains(t)) {
            return Kind.QA;
        }
        return Kind.GENERIC;
    }

    /** The default templates of a task: its kind's family. */
    public static List<ContrastTemplate> forTask(String task) {
        return family(kindOf(task));
    }

    public static ContrastTemplate get(String name) {
        ContrastTemplate t = BY_NAME.get(name);
        if (t == null) {
            throw new IllegalArgumentException("--template: unknown template '" + name + "'; valid templates: "
                    + String.join(", ", BY_NAME.keySet()) + ", a kind's family (" + kinds() + ")"
                    + ", or a custom template containing " + TEXT + " and " + LABEL + " (with --labels)");
        }
        return t;
    }

    private static String kinds() {
        List<String> out = new ArrayList<>();
        for (Kind k : Kind.values()) out.add(k.id());
        return String.join(", ", out);
    }

    public static List<ContrastTemplate> all() {
        return List.copyOf(BY_NAME.values());
    }

    /**
     * Templates from command-line values: each a built-in name, a kind (its whole family), "auto" (the task's
     * family), "all", or a custom template containing {@code {text}} and {@code {label}}, answered with
     * {@code labels} ("negative,positive": label 0's word, then label 1's). Duplicates are kept once.
     *
     * @param labels null unless given; required by custom templates, refused without one
     */
    public static List<ContrastTemplate> parse(List<String> values, String labels, String task) {
        List<String> given = values == null || values.isEmpty() ? List.of("auto") : values;
        Map<String, ContrastTemplate> out = new LinkedHashMap<>();
        List<String> labelWords = labels == null ? null : parseLabels(labels);
        int custom = 0;
        for (String v : given) {
            if (v.contains("{")) {
                if (labelWords == null) {
                    throw new IllegalArgumentException("--template '" + v + "' is a custom template: give its two "
                            + "answers with --labels \"NEGATIVE,POSITIVE\" (label 0's word, then label 1's)");
                }
                ContrastTemplate t = new ContrastTemplate("custom-" + (++custom), kindOf(task), v, labelWords);
                out.put(t.name(), t);
                continue;
            }
            for (String part : v.split(",")) addNamed(part.trim(), task, out);
        }
        if (labelWords != null && custom == 0) {
            throw new IllegalArgumentException("--labels applies to custom templates (a --template containing "
                    + TEXT + " and " + LABEL + "); the built-in templates carry their own label words");
        }
        return List.copyOf(out.values());
    }

    private static void addNamed(String name, String task, Map<String, ContrastTemplate> out) {
        // Template names and kind names never coincide, so either reads unambiguously.
        if (name.equals("auto")) forTask(task).forEach(t -> out.put(t.name(), t));
        else if (name.equals("all")) all().forEach(t -> out.put(t.name(), t));
        else if (kindNamed(name) != null) family(kindNamed(name)).forEach(t -> out.put(t.name(), t));
        else out.put(name, get(name));
    }

    private static Kind kindNamed(String name) {
        for (Kind k : Kind.values()) if (k.id().equals(name)) return k;
        return null;
    }

    /** "negative,positive" → [negative, positive]: exactly two distinct non-empty words. */
    public static List<String> parseLabels(String labels) {
        String[] parts = labels.split(",", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("--labels must be two answers separated by a comma, label 0's then label"
                    + " 1's (e.g. \"negative,positive\"); got " + parts.length + " in '" + labels + "'");
        }
        String neg = parts[0].strip();
        String pos = parts[1].strip();
        if (neg.isEmpty() || pos.isEmpty()) {
            throw new IllegalArgumentException("--labels: empty answer in '" + labels + "'; e.g. \"negative,positive\"");
        }
        if (neg.equals(pos)) {
            throw new IllegalArgumentException("--labels: the two answers are the same ('" + neg + "'); x+ and x- "
                    + "must differ");
        }
        return List.of(neg, pos);
    }

    private static void check(String template, List<String> labels, String option) {
        if (template == null || !template.contains(TEXT) || !template.contains(LABEL)) {
            throw new IllegalArgumentException(option + " '" + template + "' must contain " + TEXT + " (where the "
                    + "example goes) and " + LABEL + " (where the answer goes)");
        }
        if (template.indexOf(TEXT) != template.lastIndexOf(TEXT) || template.indexOf(LABEL) != template.lastIndexOf(LABEL)) {
            throw new IllegalArgumentException(option + " '" + template + "' must contain " + TEXT + " and " + LABEL
                    + " once each");
        }
        if (labels == null || labels.size() != 2) {
            throw new IllegalArgumentException("--labels: a template needs exactly two answers, got " + labels);
        }
    }

    /** A one-line account for tables and results. */
    public String description() {
        return template.replace("\n", "\\n") + "  [" + labels.get(0) + " | " + labels.get(1) + "]";
    }

    /** The prompt answered with label {@code label}'s word (0: x⁻, 1: x⁺). */
    public String fill(String text, int label) {
        // The text goes in last, so a "{label}" inside the example is left alone.
        return template.replace(LABEL, labels.get(label)).replace(TEXT, text);
    }

    /** x⁺: the statement answered with label 1's word. */
    public String positive(String statement) {
        return fill(statement, 1);
    }

    /** x⁻: answered with label 0's word. */
    public String negative(String statement) {
        return fill(statement, 0);
    }

    public List<String> positives(List<String> statements) {
        return statements.stream().map(this::positive).toList();
    }

    public List<String> negatives(List<String> statements) {
        return statements.stream().map(this::negative).toList();
    }
}
