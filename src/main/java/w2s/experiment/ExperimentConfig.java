package w2s.experiment;

import java.util.List;

import w2s.data.SplitConfig;
import w2s.zoo.ModelConfig;

/**
 * Everything that determines one weak-to-strong experiment; a result carries it, so the result can be rerun.
 *
 * @param task      a built-in task name, a converter name (its dataset read from the Hugging Face cache or Hub, at
 *                  {@code NAME@REVISION} if given, or from data), {@code hf:ORG/NAME[:CONFIG][@REVISION];text=...;label=...}
 *                  (see {@link w2s.data.HubTask}), or a .jsonl / .csv / .parquet file
 * @param data      the file or folder a converter reads (e.g. a Hugging Face export of sciq), else null
 * @param testFile  a separate test file for a file task (null: hold out a seeded test set)
 * @param split     split sizes, seed and class balancing
 * @param weak      the weak supervisor
 * @param strong    the strong model, used for both the student and the ceiling
 * @param loss      the student's loss on weak labels (ground-truth training always uses xent, as the reference does)
 * @param ceilingOn which half trains the ground-truth ceiling: "A" (the openai sweep; default) or "B" (its older script)
 * @param repair    label repair of the weak labels before the student sees them, or null for none
 * @param via       bootstrapping: models trained in turn between weak and strong, each on B with the previous one's
 *                  soft labels (empty: the strong model learns from the weak one directly)
 * @param s2s       strong-to-strong rounds: the final student relabels B with its soft predictions and a fresh strong
 *                  model learns from them, this many times (0: none)
 * @param earlyStop early stopping (null: train to the end): with a validation split ({@code --n-val}) of every model
 *                  on it — the weak model and the ceiling against ground truth, each student against its
 *                  supervisor's labels; without one, of the students only, on a weakly labelled slice of B
 * @param calibrate fraction of B held out, with its weak labels, to fit the student's temperature on (0: no scaling)
 * @param ceiling   the strong model as the ceiling trains it, where its compute settings (LoRA, device, gradient
 *                  checkpointing) differ from the student's; null (and absent from the JSON): the same as {@code strong}
 * @param weakLabels a JSONL file of soft labels produced elsewhere ({@code {id, label}} lines, or another run's
 *                  weak_labels.jsonl) that the student learns from instead of the weak model's labels on B, as the
 *                  openai code's {@code weak_labels_path}; the weak model is still trained on A and is what the
 *                  weak accuracy, PGR and agreement refer to (null: the weak model's own labels)
 * @param preset    the family of defaults the command line started from ({@code --preset eleuther|openai}), or null;
 *                  a label only: every value it set is in the rest of the configuration
 * @param longTexts "drop": documents longer than the strong model's token limit are removed before the split, as the
 *                  openai code does (null, absent from the JSON: they are truncated; see {@link LongTexts})
 * @param kind      "choice": a preference-pair task trains on its pairs as choices between two candidates (null,
 *                  absent from the JSON: a pair task trains as the openai code's binarised documents)
 * @param features  a feature-matrix task (the task is then its labels file): each model name → the file of its
 *                  vectors by id (null, absent from the JSON: models read texts). With features, {@code weakLabels}
 *                  is a pretrained weak classifier's K-vectors per id, which replace the weak model's training
 * @param generation how a generative task's answers are written and matched (null, absent from the JSON: not a
 *                  generative task)
 */
public record ExperimentConfig(String task, String data, String testFile, SplitConfig split, ModelConfig weak,
                               ModelConfig strong, String loss, String ceilingOn, Repair repair, List<ModelConfig> via,
                               int s2s, EarlyStop earlyStop, double calibrate,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ModelConfig ceiling,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String weakLabels,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String preset,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String longTexts,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String kind,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                               java.util.SortedMap<String, String> features,
                               @com.fasterxml.jackson.annotation.JsonInclude(
                                       com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                               Generation generation) {
    /** What {@code kind} may be: "choice" trains a preference-pair task's pairs as choices (null: as binary documents). */
    public static final String CHOICE = "choice";

    /** Without a task kind or feature files: a binary task, or a K-class or multiple-choice file (as the file says). */
    public ExperimentConfig(String task, String data, String testFile, SplitConfig split, ModelConfig weak,
                            ModelConfig strong, String loss, String ceilingOn, Repair repair, List<ModelConfig> via,
                            int s2s, EarlyStop earlyStop, double calibrate, ModelConfig ceiling, String weakLabels,
                            String preset, String longTexts) {
        this(task, data, testFile, split, weak, strong, loss, ceilingOn, repair, via, s2s, earlyStop, calibrate, ceiling,
                weakLabels, preset, longTexts, null, null, null);
    }

    public ExperimentConfig(String task, String data, String testFile, SplitConfig split, ModelConfig weak,
                            ModelConfig strong, String loss, String ceilingOn, Repair repair, List<ModelConfig> via,
                            int s2s, EarlyStop earlyStop, double calibrate, ModelConfig ceiling, String weakLabels,
                            String preset) {
        this(task, data, testFile, split, weak, strong, loss, ceilingOn, repair, via, s2s, earlyStop, calibrate, ceiling,
                weakLabels, preset, null);
    }

    public ExperimentConfig {
        longTexts = LongTexts.parse(longTexts);
        if (kind != null && !kind.equals(CHOICE)) {
            throw new IllegalArgumentException("unknown task kind '" + kind + "'; valid: " + CHOICE);
        }
        if (features != null) {
            if (features.isEmpty()) features = null;
            else features = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(features));
        }
        if (ceiling != null && ceiling.equals(strong)) ceiling = null;
        if (ceiling != null && !(ceiling.name().equals(strong.name()) && ceiling.mode() == strong.mode())) {
            throw new IllegalArgumentException("the ceiling trains the strong model (" + strong.describe() + "), not "
                    + ceiling.describe());
        }
        if (!ceilingOn.equals("A") && !ceilingOn.equals("B")) {
            throw new IllegalArgumentException("ceiling must be trained on A or B, got " + ceilingOn);
        }
        via = via == null ? List.of() : List.copyOf(via);
        if (s2s < 0) throw new IllegalArgumentException("--s2s must be 0 or more, got " + s2s);
        if (!(calibrate >= 0 && calibrate < 1)) {
            throw new IllegalArgumentException("--calibrate must be a fraction in [0, 1), got " + calibrate);
        }
    }

    /** An experiment whose ceiling trains the strong model as the student does, on its weak model's own labels, without a preset. */
    public ExperimentConfig(String task, String data, String testFile, SplitConfig split, ModelConfig weak,
                            ModelConfig strong, String loss, String ceilingOn, Repair repair, List<ModelConfig> via,
                            int s2s, EarlyStop earlyStop, double calibrate) {
        this(task, data, testFile, split, weak, strong, loss, ceilingOn, repair, via, s2s, earlyStop, calibrate, null,
                null, null);
    }

    /** The strong model as the ground-truth ceiling trains it. */
    public ModelConfig ceilingModel() {
        return ceiling != null ? ceiling : strong;
    }

    /**
     * A plain experiment on a task by name or file: the strong model learns from the weak one directly, trained to
     * the end, with no converter data, test file or label repair.
     */
    public ExperimentConfig(String task, SplitConfig split, ModelConfig weak, ModelConfig strong, String loss,
                            String ceilingOn) {
        this(task, null, null, split, weak, strong, loss, ceilingOn, null, List.of(), 0, null, 0);
    }

    /**
     * How a generative task's answers are written and compared with the right ones.
     *
     * @param maxNewTokens the most tokens a model writes for one answer (greedy decoding stops earlier at its end token)
     * @param match        how texts are normalised before the exact match: "exact" (as written), "whitespace" (ends
     *                     trimmed, runs of white space as one space; the default) or "loose" (also lower case, and
     *                     trailing punctuation . , ; : ! ? dropped)
     */
    public record Generation(int maxNewTokens, String match) {
        public static final List<String> MATCHES = List.of("exact", "whitespace", "loose");

        public Generation {
            if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be at least 1, got "
                    + maxNewTokens);
            if (!MATCHES.contains(match)) {
                throw new IllegalArgumentException("--match must be one of " + String.join(", ", MATCHES) + ", got '"
                        + match + "'");
            }
        }

        /** A text as the match compares it. */
        public String normalise(String text) {
            return switch (match) {
                case "exact" -> text;
                case "whitespace" -> text.strip().replaceAll("\\s+", " ");
                default -> text.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[.,;:!?]+$", "").strip();
            };
        }
    }

    /** Loads the task this configuration names. */
    public w2s.data.Task loadTask() {
        if (testFile != null) return w2s.data.TaskFiles.load(java.nio.file.Path.of(task), java.nio.file.Path.of(testFile));
        return data != null ? w2s.data.Tasks.load(task, java.nio.file.Path.of(data)) : w2s.data.Tasks.load(task);
    }

    /**
     * Repair of the weak labels with a probe on the strong model's own activations of B (its middle layer), as
     * EleutherAI's w2s does: with filter 0 the probe relabels B; with filter F it drops the fraction F of weak labels
     * that disagree most with the probe and the student trains on the rest.
     *
     * @param probe  "knn" (mean weak label of 50 nearest neighbours), "logreg" (cross-validated) or "topo" (TopoCC)
     * @param filter fraction to drop, in [0, 1); 0 relabels instead
     */
    public record Repair(String probe, double filter) {
        public Repair {
            if (!w2s.elicit.LabelRepair.METHODS.contains(probe)) {
                throw new IllegalArgumentException("unknown repair probe '" + probe + "'; valid: "
                        + String.join(", ", w2s.elicit.LabelRepair.METHODS));
            }
            if (!(filter >= 0 && filter < 1)) throw new IllegalArgumentException("--filter must be in [0, 1), got " + filter);
        }
    }

    public long seed() {
        return split.seed();
    }

    /**
     * Early stopping as EleutherAI's w2s does it, never looking at test labels: every {@code every} steps the model is
     * scored on validation documents and the best step's model is kept. With a validation split ({@code --n-val})
     * every model stops on it: the weak model and the ceiling against ground truth, each student against the hard
     * labels of its supervisor's predictions there (EleutherAI's weak validation labels). Without one, only the
     * students stop, on a seeded fraction of B held out with its weak labels.
     *
     * @param fraction share of B held out for validation when there is no validation split
     * @param every    score the model every this many optimiser steps (and at the last step)
     * @param metric   "accuracy" against hard labels, or "auroc" (EleutherAI's default)
     * @param patience stop training after this many scorings without improvement (null: train to the end and keep
     *                 the best step, as EleutherAI's load_best_model_at_end does)
     */
    public record EarlyStop(double fraction, int every, String metric,
                            @com.fasterxml.jackson.annotation.JsonInclude(
                                    com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Integer patience) {
        public static final List<String> METRICS = List.of("accuracy", "auroc");

        public EarlyStop(double fraction, int every, String metric) {
            this(fraction, every, metric, null);
        }

        public EarlyStop {
            if (patience != null && patience < 1) {
                throw new IllegalArgumentException("--early-stop-patience must be at least 1 scoring, got " + patience);
            }
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("--early-stop-fraction must be in (0, 1), got " + fraction);
            }
            if (every < 1) throw new IllegalArgumentException("--early-stop-every must be at least 1 step, got " + every);
            if (!METRICS.contains(metric)) {
                throw new IllegalArgumentException("--early-stop-metric must be accuracy or auroc, got " + metric);
            }
        }

        /** The validation score of predictions against hard labels. */
        public double score(double[][] predictions, int[] labels) {
            return metric.equals("auroc") ? w2s.metrics.Metrics.auroc(predictions, labels)
                    : w2s.metrics.Metrics.accuracy(predictions, labels);
        }
    }
}
