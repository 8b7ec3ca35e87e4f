package w2s.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import w2s.hub.HubDatasets;

/**
 * Converters for the reference's datasets, from the Hugging Face Hub (its Parquet files, through the Hugging Face
 * cache: {@link HubDatasets}) or from the files users export from it (see {@link SplitFiles}).
 * Each is a small function from a row, in the dataset's real columns, to a document, written as the reference
 * formatter is: openai/weak-to-strong's for amazon_polarity, sciq, anthropic_hh, cosmos_qa and boolq, EleutherAI/w2s's
 * for the rest. Seeded choices are drawn as the reference draws them, from Python's generator ({@link PyRandom})
 * seeded with {@link #SEED}, fresh for each split, in file order; for openai's datasets this reproduces the
 * reference's labels row for row. (EleutherAI's code shuffles a split before formatting it, so there only the rule
 * and the distribution are the same.) Documents whose text is empty are dropped and counted, as EleutherAI does.
 */
public final class Converters {
    /** The conversion seed: the reference's default experiment seed. The experiment's own seed drives the split. */
    public static final long SEED = 0;

    static final String OPENAI = "openai/weak-to-strong";
    static final String ELEUTHER = "EleutherAI/w2s";

    /** A document made from one row; a preference pair's document also keeps both of its sides. */
    public record Doc(String text, int label, String chosen, String rejected) {
        static Doc of(String text, boolean positive) {
            return new Doc(text, positive ? 1 : 0, null, null);
        }

        static Doc of(String text, int label) {
            return new Doc(text, label, null, null);
        }

        /** The reference's rule for reward modeling: a fair coin shows the chosen side (1) or the rejected one (0). */
        static Doc pair(String chosen, String rejected, PyRandom rng) {
            boolean showChosen = rng.random() < 0.5;
            return new Doc(showChosen ? chosen : rejected, showChosen ? 1 : 0, chosen, rejected);
        }
    }

    /** How one row becomes a document. The generator is shared by the rows of a split, in order. */
    @FunctionalInterface
    public interface Format {
        Doc apply(Row row, PyRandom rng);
    }

    /**
     * A dataset's conversion.
     *
     * @param dataset    the Hugging Face dataset (and configuration) whose export it reads
     * @param trainSplit the split that holds the training documents
     * @param testSplit  the split the reference evaluates on (validation where the test split has no labels)
     * @param origin     whose formatter it follows
     * @param rule       the conversion, for listings and provenance
     */
    public record Converter(String name, String dataset, String trainSplit, String testSplit, String origin,
                            String rule, Format format) {}

    private static final Map<String, Converter> REGISTRY = new LinkedHashMap<>();

    static {
        // openai/weak-to-strong
        add("amazon_polarity", "fancyzhx/amazon_polarity", "train", "test", OPENAI,
                "'{title} {content}', its label",
                (r, rng) -> Doc.of(r.string("title") + " " + r.string("content"), r.label("label")));
        add("sciq", "allenai/sciq", "train", "test", OPENAI,
                "'Q: {question} A: {answer}'; y ~ Bernoulli(0.5): the correct answer if y, else a random distractor",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    String answer = y ? r.string("correct_answer") : rng.choice(distractors(r));
                    return Doc.of("Q: " + r.string("question") + " A: " + answer, y);
                });
        add("anthropic_hh", "Anthropic/hh-rlhf", "train", "test", OPENAI,
                "pairs (chosen, rejected); y ~ Bernoulli(0.5): the chosen transcript if y, else the rejected one",
                (r, rng) -> Doc.pair(r.string("chosen"), r.string("rejected"), rng));
        add("cosmos_qa", "allenai/cosmos_qa", "train", "validation", OPENAI,
                "'Context: {context}\\nQuestion: {question}\\nAnswer: {answer}'; y = 0 if the true answer contains "
                        + "'None of the above choices .', else y ~ Bernoulli(0.5); the true answer if y, else a random "
                        + "other answer",
                (r, rng) -> {
                    List<String> answers = List.of(r.string("answer0"), r.string("answer1"), r.string("answer2"),
                            r.string("answer3"));
                    String truth = answers.get(r.answerIndex("label", answers.size()));
                    // The reference asserts that no other true answer mentions "None of the above choices"; such a
                    // row is converted like any other here.
                    boolean y = !truth.contains("None of the above choices .") && rng.random() < 0.5;
                    String answer = y ? truth : rng.choice(answers.stream().filter(a -> !a.equals(truth)).toList());
                    return Doc.of("Context: " + r.string("context") + "\nQuestion: " + r.string("question")
                            + "\nAnswer: " + answer, y);
                });
        add("boolq", "google/boolq", "train", "validation", OPENAI,
                "'Passage: {passage}\\nQuestion: {question}', its answer",
                (r, rng) -> Doc.of("Passage: " + r.string("passage") + "\nQuestion: " + r.string("question"),
                        r.bool("answer")));

        // EleutherAI/w2s
        add("anli_r2", "facebook/anli", "train_r2", "test_r2", ELEUTHER,
                "'Premise: {premise}\\nHypothesis: {hypothesis}\\n\\nDoes the premise entail the hypothesis?'; "
                        + "1 = entailment (label 0), 0 = neutral or contradiction",
                (r, rng) -> Doc.of("Premise: " + r.string("premise") + "\nHypothesis: " + r.string("hypothesis")
                        + "\n\nDoes the premise entail the hypothesis?", r.answerIndex("label", 3) == 0));
        add("cola", "nyu-mll/glue (cola)", "train", "validation", ELEUTHER, "the sentence, its label (1 = acceptable)",
                (r, rng) -> Doc.of(r.string("sentence"), r.label("label")));
        add("dream", "dataset-org/dream", "train", "test", ELEUTHER,
                "'{dialogue lines}\\n\\nQ: {question} A: {answer}'; y ~ Bernoulli(0.5): the answer if y, else a "
                        + "random other choice",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    String answer = r.string("answer");
                    if (!y) {
                        List<String> others = new ArrayList<>(r.strings("choice"));
                        if (!others.remove(answer)) throw r.bad("answer", "is not one of the choices " + others);
                        answer = rng.choice(others);
                    }
                    return Doc.of(String.join("\n", r.strings("dialogue")) + "\n\nQ: " + r.string("question")
                            + " A: " + answer, y);
                });
        add("ethics_deontology", "hendrycks/ethics (deontology)", "train", "test", ELEUTHER,
                "'Q: Is the following a morally valid excuse?\\n\\n{scenario}\\n\\n{excuse}\\n\\nA:', its label",
                (r, rng) -> Doc.of("Q: Is the following a morally valid excuse?\n\n" + r.string("scenario") + "\n\n"
                        + r.string("excuse") + "\n\nA:", r.label("label")));
        add("ethics_justice", "hendrycks/ethics (justice)", "train", "test", ELEUTHER,
                "'Q: Does this statement exemplify justice?\\n\\n{scenario}\\n\\nA:', its label",
                (r, rng) -> Doc.of("Q: Does this statement exemplify justice?\n\n" + r.string("scenario") + "\n\nA:",
                        r.label("label")));
        add("ethics_virtue", "hendrycks/ethics (virtue)", "train", "test", ELEUTHER,
                "'Q: Does this behavior match the adjective that follows?\\n\\n{scenario}\\n\\nA:', its label",
                (r, rng) -> Doc.of("Q: Does this behavior match the adjective that follows?\n\n" + r.string("scenario")
                        + "\n\nA:", r.label("label")));
        add("ethics_utilitarianism", "hendrycks/ethics (utilitarianism)", "train", "test", ELEUTHER,
                "'Which is more pleasant?\\n1) {a}\\n2) {b} A: {n}'; (a, b) = (baseline, less_pleasant) shuffled; "
                        + "y ~ Bernoulli(0.5): n names the baseline if y, else the other",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    String baseline = r.string("baseline");
                    List<String> choices = new ArrayList<>(List.of(baseline, r.string("less_pleasant")));
                    rng.shuffle(choices);
                    int correct = choices.indexOf(baseline);
                    int response = y ? correct : 1 - correct;
                    return Doc.of("Which is more pleasant?\n1) " + choices.get(0) + "\n2) " + choices.get(1) + " A: "
                            + (response + 1), y);
                });
        add("hellaswag", "Rowan/hellaswag", "train", "validation", ELEUTHER,
                "'Context:\\n{ctx}\\n\\nContinuations:\\n\\n{endings}\\n\\nQ: Is \"{ending}\" the best continuation?'; "
                        + "y ~ Bernoulli(0.5): the true ending if y, else a random other ending",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    List<String> endings = r.strings("endings");
                    int label = r.answerIndex("label", endings.size());
                    String ending = trueOrOther(y, endings, label, rng);
                    return Doc.of("Context:\n" + r.string("ctx") + "\n\nContinuations:\n\n" + String.join("\n", endings)
                            + "\n\nQ: Is \"" + ending + "\" the best continuation?", y);
                });
        add("mc_taco", "CogComp/mc_taco", "test", "validation", ELEUTHER,
                "'{sentence}\\n\\nGiven the above, {question} Is the answer {answer}?', its label; trains on the "
                        + "test split, the larger one, as EleutherAI does",
                (r, rng) -> Doc.of(r.string("sentence") + "\n\nGiven the above, " + r.string("question")
                        + " Is the answer " + r.string("answer") + "?", r.label("label")));
        add("multirc", "aps/super_glue (multirc)", "train", "validation", ELEUTHER,
                "'Passage:\\n\\n{paragraph}\\n\\nQ: \"{question}\" Is the answer \"{answer}\"?', its label",
                (r, rng) -> Doc.of("Passage:\n\n" + r.string("paragraph") + "\n\nQ: \"" + r.string("question")
                        + "\" Is the answer \"" + r.string("answer") + "\"?", r.label("label")));
        add("openbookqa", "allenai/openbookqa (main)", "train", "test", ELEUTHER,
                "'Q: {question_stem}\\n\\nChoices:\\n{A) ...}\\n\\nAnswer: {answer}'; y ~ Bernoulli(0.5): the correct "
                        + "choice's text if y, else a random other choice's text (EleutherAI writes the answer key's "
                        + "letter when y, which gives the label away; fixed here)",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    List<String> letters = r.strings("choices.label");
                    List<String> texts = r.strings("choices.text");
                    if (letters.size() != texts.size()) throw r.bad("choices", "has unequal label and text lists");
                    int key = letters.indexOf(r.string("answerKey"));
                    if (key < 0) throw r.bad("answerKey", "is not one of the choice labels " + letters);
                    String answer = trueOrOther(y, texts, key, rng);
                    List<String> lines = new ArrayList<>();
                    for (int i = 0; i < texts.size(); i++) lines.add(letters.get(i) + ") " + texts.get(i));
                    return Doc.of("Q: " + r.string("question_stem") + "\n\nChoices:\n" + String.join("\n", lines)
                            + "\n\nAnswer: " + answer, y);
                });
        add("paws", "google-research-datasets/paws (labeled_final)", "train", "test", ELEUTHER,
                "'Sent 1: {sentence1}\\nSent 2: {sentence2}\\n\\nQ: Are these sentences semantically equivalent?', "
                        + "its label",
                (r, rng) -> Doc.of("Sent 1: " + r.string("sentence1") + "\nSent 2: " + r.string("sentence2")
                        + "\n\nQ: Are these sentences semantically equivalent?", r.label("label")));
        add("piqa", "ybisk/piqa", "train", "validation", ELEUTHER,
                "'Q: {goal} A: {solution}'; y ~ Bernoulli(0.5): the right solution if y, else the other",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    boolean secondIsRight = r.answerIndex("label", 2) == 1;
                    String solution = y == secondIsRight ? r.string("sol2") : r.string("sol1");
                    return Doc.of("Q: " + r.string("goal") + " A: " + solution, y);
                });
        add("quail", "textmachinelab/quail", "train", "validation", ELEUTHER,
                "'Passage:\\n\\n{context}\\n\\nQ: \"{question}\" Is the answer \"{answer}\"?'; y ~ Bernoulli(0.5): "
                        + "the correct answer if y, else a random other answer",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    List<String> answers = r.strings("answers");
                    int correct = r.answerIndex("correct_answer_id", answers.size());
                    String answer = trueOrOther(y, answers, correct, rng);
                    return Doc.of("Passage:\n\n" + r.string("context") + "\n\nQ: \"" + r.string("question")
                            + "\" Is the answer \"" + answer + "\"?", y);
                });
        add("quartz", "allenai/quartz", "train", "test", ELEUTHER,
                "'Passage:\\n{para}\\n\\nQ: \"{question}\" Is the answer \"{answer}\"?'; y ~ Bernoulli(0.5): the "
                        + "correct choice if y, else the other",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    List<String> texts = r.strings("choices.text");
                    if (texts.size() != 2) throw r.bad("choices.text", "expected 2 choices, found " + texts.size());
                    int correct = r.strings("choices.label").indexOf(r.string("answerKey"));
                    if (correct < 0) throw r.bad("answerKey", "is not one of the choice labels");
                    return Doc.of("Passage:\n" + r.string("para") + "\n\nQ: \"" + r.string("question")
                            + "\" Is the answer \"" + texts.get(y ? correct : 1 - correct) + "\"?", y);
                });
        add("sciq_with_support", "allenai/sciq", "train", "test", ELEUTHER,
                "'Name: Bob\\n\\nPassage 1:\\n{support}\\n\\nQ1: \"{question}\" Is the answer \"{answer}\"?'; "
                        + "y ~ Bernoulli(0.5): the correct answer if y, else a random distractor (EleutherAI draws its "
                        + "3,000 test rows from all splits; here the test split is the test set)",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    String answer = y ? r.string("correct_answer") : rng.choice(distractors(r));
                    return Doc.of("Name: Bob\n\nPassage 1:\n" + r.string("support") + "\n\nQ1: \""
                            + r.string("question") + "\" Is the answer \"" + answer + "\"?", y);
                });
        add("social_i_qa", "allenai/social_i_qa", "train", "validation", ELEUTHER,
                "'Context:\\n{context}\\n\\nQuestion: \"{question}\"\\n\\nChoices:\\n{A}\\n{B}\\n{C}\\n\\nIs the answer "
                        + "\"{answer}\"?'; y ~ Bernoulli(0.5): the right answer (label 1-3) if y, else a random other",
                (r, rng) -> {
                    boolean y = rng.random() < 0.5;
                    List<String> answers = List.of(r.string("answerA"), r.string("answerB"), r.string("answerC"));
                    int label = r.integer("label");
                    if (label < 1 || label > 3) throw r.bad("label", "expected 1, 2 or 3, found " + label);
                    int correct = label - 1;
                    String answer = trueOrOther(y, answers, correct, rng);
                    return Doc.of("Context:\n" + r.string("context") + "\n\nQuestion: \"" + r.string("question")
                            + "\"\n\nChoices:\n" + String.join("\n", answers) + "\n\nIs the answer \"" + answer + "\"?",
                            y);
                });
        add("sst2", "stanfordnlp/sst2", "train", "validation", ELEUTHER, "the sentence, its label (1 = positive)",
                (r, rng) -> Doc.of(r.string("sentence"), r.label("label")));
        add("wic", "aps/super_glue (wic)", "train", "validation", ELEUTHER,
                "'Sentence 1:\\n{sentence1}\\n\\nSentence 2:\\n{sentence2}\\n\\nQ: Does \"{word}\" have the same "
                        + "meaning in the above sentences?', its label",
                (r, rng) -> Doc.of("Sentence 1:\n" + r.string("sentence1") + "\n\nSentence 2:\n" + r.string("sentence2")
                        + "\n\nQ: Does \"" + r.string("word") + "\" have the same meaning in the above sentences?",
                        r.label("label")));
    }

    private Converters() {}

    private static void add(String name, String dataset, String train, String test, String origin, String rule,
                            Format format) {
        REGISTRY.put(name, new Converter(name, dataset, train, test, origin, rule, format));
    }

    public static List<Converter> all() {
        return List.copyOf(REGISTRY.values());
    }

    /** The converter of a name; EleutherAI's spelling with hyphens (anli-r2, ethics-justice) is accepted. */
    public static Converter find(String name) {
        return REGISTRY.get(name.replace('-', '_'));
    }

    /**
     * Converts an export: a folder's training split and the converter's test split, or a single file, all of it
     * training data (the splitter then holds out the test set).
     */
    public static Task load(Converter c, Path data) {
        SplitFiles files = SplitFiles.of(data);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("converter", c.name());
        details.put("dataset", c.dataset());
        details.put("formatter", c.origin());
        details.put("rule", c.rule());
        details.put("conversion_seed", Long.toString(SEED));
        Part train;
        Part test;
        if (files.singleFile()) {
            train = convert(SplitFiles.splitOf(data), List.of(data), c.format());
            test = new Part();
            details.put("test", "held out from the file by the splitter");
        } else {
            train = convert(c.trainSplit(), files.split(c.trainSplit(), "training documents"), c.format());
            test = convert(c.testSplit(), files.split(c.testSplit(), "the test set of " + c.name()), c.format());
            details.put("test", "the " + c.testSplit() + " split");
        }
        details.put("files", String.join(", ", train.fileHashes) + (test.fileHashes.isEmpty() ? ""
                : ", " + String.join(", ", test.fileHashes)));
        details.put("rows", train.rows + (files.singleFile() ? "" : " train, " + test.rows + " test"));
        details.put("dropped_empty_text", Long.toString(train.emptyDropped + test.emptyDropped));
        List<PreferencePair> pairs = new ArrayList<>(train.pairs);
        pairs.addAll(test.pairs);
        Provenance provenance = new Provenance("file", data.toString(), "unknown (see the dataset card of "
                + c.dataset() + ")", listingHash(train.fileHashes, test.fileHashes), details);
        return new Task(c.name(), train.examples, test.examples, pairs, provenance);
    }

    /** A converter's Hugging Face dataset as {@link #dataset} names it: "org/name" or "org/name (config)". */
    record HubName(String repoId, String config) {
        private static final Pattern DATASET = Pattern.compile("(\\S+)(?: \\((.+)\\))?");

        static HubName of(String dataset) {
            Matcher m = DATASET.matcher(dataset);
            if (!m.matches()) throw new IllegalStateException("not a dataset name: " + dataset);
            return new HubName(m.group(1), m.group(2));
        }
    }

    /**
     * Converts the dataset's training and test splits as the Hugging Face Hub serves them, from the Hugging Face cache,
     * downloading them first when they are not there (see {@link HubDatasets}); revision null means main.
     * The commit read is recorded in the task's provenance.
     */
    public static Task load(Converter c, String revision, HubDatasets hub) {
        HubName name = HubName.of(c.dataset());
        HubDatasets.Snapshot s = hub.resolve(name.repoId(), name.config(), revision,
                List.of(c.trainSplit(), c.testSplit()), List.of());
        Part train = convertHub(c.trainSplit(), s, c.format());
        Part test = convertHub(c.testSplit(), s, c.format());
        Map<String, String> details = new LinkedHashMap<>();
        details.put("converter", c.name());
        details.put("dataset", c.dataset());
        details.put("formatter", c.origin());
        details.put("rule", c.rule());
        details.put("conversion_seed", Long.toString(SEED));
        hubDetails(details, s);
        details.put("test", "the " + c.testSplit() + " split");
        details.put("files", String.join(", ", train.fileHashes) + ", " + String.join(", ", test.fileHashes));
        details.put("rows", train.rows + " train, " + test.rows + " test");
        details.put("dropped_empty_text", Long.toString(train.emptyDropped + test.emptyDropped));
        List<PreferencePair> pairs = new ArrayList<>(train.pairs);
        pairs.addAll(test.pairs);
        Provenance provenance = new Provenance("huggingface", hubLocation(s), "unknown (see the dataset card of "
                + c.dataset() + ")", listingHash(train.fileHashes, test.fileHashes), details);
        return new Task(c.name(), train.examples, test.examples, pairs, provenance);
    }

    /** Where a task read from the Hub came from, for its provenance: hf://datasets/org/name[/config]@commit. */
    static String hubLocation(HubDatasets.Snapshot s) {
        return "hf://datasets/" + s.repoId() + "/" + s.config() + "@"
                + (s.datasetCommit() != null ? s.datasetCommit() : s.commit());
    }

    /** What provenance records of a dataset read from the Hub: the repo, configuration, revision and commits. */
    static void hubDetails(Map<String, String> details, HubDatasets.Snapshot s) {
        details.put("hub_dataset", s.repoId());
        details.put("config", s.config());
        details.put("revision", s.revision());
        details.put("commit", s.datasetCommit() != null ? s.datasetCommit() : "unknown (read from the cache)");
        details.put("parquet", s.converted() ? "the Hub's Parquet conversion (" + HubDatasets.CONVERSION
                + ") at commit " + s.commit() : "the repo's own files at commit " + s.commit());
    }

    /** One split of a Hub snapshot, its files named by their paths in the repo. */
    static Part convertHub(String split, HubDatasets.Snapshot s, Format format) {
        Part part = convert(split, s.files(split), format);
        List<String> paths = s.splits().get(split);
        for (int i = 0; i < part.fileHashes.size(); i++) {
            String h = part.fileHashes.get(i);
            part.fileHashes.set(i, paths.get(i) + h.substring(h.indexOf(" sha256=")));
        }
        return part;
    }

    /** The documents of one split, read from its files in order, ids "split:row index" as Hugging Face counts. */
    static Part convert(String split, List<Path> files, Format format) {
        PyRandom rng = new PyRandom(SEED);
        Part part = new Part();
        for (Path file : files) {
            String sha = Rows.read(file, row -> {
                Doc doc = format.apply(row, rng);
                String id = split + ":" + part.rows++;
                if (doc.text().isBlank()) {
                    part.emptyDropped++;
                    return;
                }
                part.examples.add(new Example(id, doc.text(), doc.label()));
                if (doc.chosen() != null) part.pairs.add(new PreferencePair(id, doc.chosen(), doc.rejected()));
            });
            part.fileHashes.add(file.getFileName() + " sha256=" + sha);
        }
        return part;
    }

    /** The converted documents of one split, and what was read. */
    static final class Part {
        final List<Example> examples = new ArrayList<>();
        final List<PreferencePair> pairs = new ArrayList<>();
        final List<String> fileHashes = new ArrayList<>();
        long rows;
        long emptyDropped;
    }

    /** One file: its SHA-256; several: the SHA-256 of their "name sha256=..." listing, in reading order. */
    static String listingHash(List<String> train, List<String> test) {
        List<String> all = new ArrayList<>(train);
        all.addAll(test);
        if (all.size() == 1) return all.get(0).substring(all.get(0).indexOf("sha256=") + 7);
        MessageDigest md = Rows.sha256();
        return HexFormat.of().formatHex(md.digest(String.join("\n", all).getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> distractors(Row r) {
        return List.of(r.string("distractor1"), r.string("distractor2"), r.string("distractor3"));
    }

    /** The correct option when y, else a random other one (drawing from the generator only then, as the reference does). */
    private static String trueOrOther(boolean y, List<String> options, int correct, PyRandom rng) {
        return y ? options.get(correct) : rng.choice(without(options, correct));
    }

    private static List<String> without(List<String> items, int skip) {
        List<String> out = new ArrayList<>(items);
        out.remove(skip);
        return out;
    }
}
