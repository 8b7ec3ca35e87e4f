package w2s.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.base.Places;
import w2s.data.SplitConfig;
import w2s.data.SplitSize;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.results.ResultStore;
import w2s.results.RunTables;
import w2s.results.RunWriter;
import w2s.train.Losses;
import w2s.train.TrainConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;
import w2s.zoo.Training;

/** {@code w2s run}: one weak-to-strong experiment. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a weak model on half A, label half B with it, train the strong model on those labels "
                + "(the student) and on ground truth (the ceiling); print and write the metrics.")
final class RunCommand implements Callable<Integer> {
    /** The sizes of a run that does not give them: caps, not sizes the task must have (see {@link SplitSize}). */
    static final int N_TRAIN = 4000;
    static final int N_TEST = 1000;

    @Option(names = "--task", required = true, description = "built-in task, a converter's name (its dataset is "
            + "read from the Hugging Face Hub, or from --data), hf:ORG/NAME[:CONFIG][@REVISION] with --text and "
            + "--label, or a .jsonl, .csv or .parquet file (see w2s tasks)")
    String task;
    @Option(names = "--data", description = "file or folder a converter task reads (e.g. --task sciq --data sciq/)")
    String data;
    @Option(names = "--revision", description = "for a converter or hf: task without --data: the dataset's branch, "
            + "tag or commit on the Hugging Face Hub (same as --task NAME@REVISION; default main)")
    String revision;
    @Option(names = "--text", paramLabel = "COLUMN", description = "for --task hf:ORG/NAME[:CONFIG][@REVISION]: the "
            + "column holding the text")
    String textColumn;
    @Option(names = "--label", paramLabel = "COLUMN", description = "for an hf: task: the column holding the binary "
            + "label (0/1, false/true)")
    String labelColumn;
    @Option(names = "--chosen", paramLabel = "COLUMN", description = "for an hf: task of preference pairs: the chosen "
            + "side's column (with --rejected)")
    String chosenColumn;
    @Option(names = "--rejected", paramLabel = "COLUMN", description = "for an hf: task of preference pairs: the "
            + "rejected side's column")
    String rejectedColumn;
    @Option(names = "--test", description = "a separate test file for a file task (default: a seeded hold-out)")
    String testFile;
    @Option(names = "--weak", defaultValue = "bow", description = "weak model: bow, a bundled encoder (see w2s "
            + "models), ccs:MODEL (an unsupervised CCS probe), a model folder or a Hugging Face id "
            + "(default: ${DEFAULT-VALUE})")
    String weak;
    @Option(names = "--strong", defaultValue = "minilm-l6", description = "strong model: a bundled encoder, a model "
            + "folder or a Hugging Face id (default: ${DEFAULT-VALUE})")
    String strong;
    @Option(names = "--loss", defaultValue = "xent", description = "student loss: xent, logconf, logconf-linear, product, kl, entropy, window, "
            + "logconf-buffer; parameters as name:key=value,... (e.g. window:radius=0.1) (default: ${DEFAULT-VALUE})")
    String loss;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the split, initialisation and batch order "
            + "(default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", description = "output folder (default: runs/<task>_<weak>_<strong>-<mode>_<loss>_seed<seed>-<hash>)")
    Path out;
    @Option(names = "--cache", description = "cache folder for features, weak labels and ceilings (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;

    // No defaultValue: an option left out is null, and its default is a cap (all documents, if the task has fewer),
    // while a number typed is one the task must have.
    @Option(names = "--n-train", paramLabel = "N|all", converter = SizeOption.class, description = "training "
            + "documents, halved into A and B; more than the task has is an error, all takes every one; the result "
            + "records the sizes used (default: " + N_TRAIN + ", or all if fewer)")
    SplitSize nTrain;
    @Option(names = "--n-test", paramLabel = "N|all", converter = SizeOption.class, description = "test documents, "
            + "the same for every seed; at most half of a task without a test split; more than the task has is an "
            + "error, all takes every one (default: " + N_TEST + ", or all if fewer)")
    SplitSize nTest;
    @Option(names = "--balance", description = "undersample the majority class to 50/50")
    boolean balance;
    @Option(names = "--vary-test", description = "draw the test set with the seed too (default: the same test "
            + "documents for every seed)")
    boolean varyTest;
    @Option(names = "--ceiling-on", defaultValue = "A", description = "half that trains the ceiling: A or B (default: ${DEFAULT-VALUE})")
    String ceilingOn;

    @Option(names = "--mode", defaultValue = "probe", description = "strong model mode: probe (a head on frozen features) or "
            + "finetune (every weight; default: ${DEFAULT-VALUE})")
    String mode;
    @Option(names = "--weak-mode", defaultValue = "probe", description = "weak model mode when it is pretrained: probe or finetune "
            + "(default: ${DEFAULT-VALUE})")
    String weakMode;
    @Option(names = "--layer", description = "layer a strong probe reads: last, middle or N (0 = "
            + "embeddings; default: middle for encoders, last for decoders)")
    String layer;
    @Option(names = "--weak-layer", description = "layer a weak probe reads (default as --layer)")
    String weakLayer;
    @Option(names = "--head", description = "probe head: linear or mlp (default: linear)")
    String head;
    @Option(names = "--max-tokens", description = "truncate texts to this many tokens (default: 256 for "
            + "probes, 128 for fine-tuning, at most the model's limit)")
    Integer maxTokens;
    @Option(names = "--truncate", description = "which end of a text longer than --max-tokens is cut: right (keeps "
            + "the start) or left (keeps the end, where converters put the question or answer); special tokens stay "
            + "(default: right)")
    String truncate;
    @Option(names = "--long-texts", description = "documents longer than the strong model's --max-tokens: truncate "
            + "them, or drop them before the split, as the openai code does (counted in the result; default: truncate)")
    String longTexts;
    @Option(names = "--pooling", description = "pooling of the strong model's token states: mean (over the attention "
            + "mask), cls, last (the last real token; the default for decoders) or last-text (the last token before an "
            + "encoder's closing [SEP])")
    String pooling;
    @Option(names = "--freeze-layers", description = "fine-tuning: keep the embeddings and the lowest N layers frozen "
            + "(default: 0)")
    Integer freezeLayers;

    @Option(names = "--lora-rank", description = "fine-tuning: train rank-R LoRA adapters on the frozen backbone, and the"
            + " head (0: full fine-tuning; default)")
    Integer loraRank;
    @Option(names = "--lora-alpha", description = "LoRA scale numerator: adapters add (alpha/R)·x·Aᵀ·Bᵀ (default: R, "
            + "i.e. scale 1, as PEFT and EleutherAI's w2s)")
    Double loraAlpha;
    @Option(names = "--lora-targets", split = ",", description = "linear layers that get adapters, by Hugging Face "
            + "module name or suffix, e.g. query,value or q_proj,v_proj (default: all-linear)")
    List<String> loraTargets;
    @Option(names = "--dtype", description = "fine-tuning precision: auto (bf16 where the CPU has bfloat16 units or on a "
            + "GPU, else fp32; default, and W2S_DTYPE=fp32|bf16 sets what auto means), fp32, bf16 (fp32 master weights,"
            + " bf16 autocast)")
    String dtype;
    @Option(names = "--device", description = "fine-tuning device: auto (a GPU if the CUDA build sees one, else the "
            + "CPU; default), cpu, cuda, cuda:N")
    String device;
    @Option(names = "--grad-checkpoint", description = "fine-tuning: hold one minibatch's activations at a time, "
            + "recomputing its forward pass for the backward pass (less memory, about a third more time)")
    Boolean gradCheckpoint;
    @Option(names = "--weak-lora-rank", description = "the weak model's --lora-rank (when it is fine-tuned)")
    Integer weakLoraRank;
    @Option(names = "--weak-lora-alpha", description = "the weak model's --lora-alpha")
    Double weakLoraAlpha;
    @Option(names = "--weak-lora-targets", split = ",", description = "the weak model's --lora-targets")
    List<String> weakLoraTargets;
    @Option(names = "--weak-dtype", description = "the weak model's --dtype")
    String weakDtype;
    @Option(names = "--weak-device", description = "the weak model's --device")
    String weakDevice;
    @Option(names = "--weak-grad-checkpoint", description = "the weak model's --grad-checkpoint")
    Boolean weakGradCheckpoint;
    @Option(names = "--ceiling-lora-rank", description = "the ceiling's LoRA rank, where it differs from the student's"
            + " (0: full fine-tuning); likewise --ceiling-lora-alpha, --ceiling-lora-targets, --ceiling-device,"
            + " --ceiling-grad-checkpoint")
    Integer ceilingLoraRank;
    @Option(names = "--ceiling-lora-alpha", description = "the ceiling's --lora-alpha, where it differs from the student's")
    Double ceilingLoraAlpha;
    @Option(names = "--ceiling-lora-targets", split = ",", description = "the ceiling's --lora-targets, where they differ from the student's")
    List<String> ceilingLoraTargets;
    @Option(names = "--ceiling-device", description = "the ceiling's --device, where it differs from the student's")
    String ceilingDevice;
    @Option(names = "--ceiling-grad-checkpoint", description = "the ceiling's --grad-checkpoint, where it differs from the student's")
    Boolean ceilingGradCheckpoint;

    @Option(names = "--epochs", description = "strong model epochs (default: 2; bow 10)")
    Integer epochs;
    @Option(names = "--lr", description = "strong model learning rate (default: probes 1e-3; fine-tuning 5e-5 "
            + "up to GPT-2-medium's size, 1e-5 above; bow 1e-2)")
    Double lr;
    @Option(names = "--weight-decay", description = "strong model L2 weight decay (default: probes 1.0, fine-tuning 0, "
            + "bow 1e-4)")
    Double weightDecay;
    @Option(names = "--batch-size", description = "strong model batch size (default: 32)")
    Integer batchSize;
    @Option(names = "--weak-epochs", description = "weak model epochs (default: the weak model's own, 2 for probes and "
            + "fine-tuning, 10 for bow; --epochs does not change it)")
    Integer weakEpochs;
    @Option(names = "--weak-lr", description = "weak model learning rate (default: the weak model's own, as for "
            + "--lr; --lr does not change it)")
    Double weakLr;
    @Option(names = "--weak-weight-decay", description = "weak model L2 weight decay (default: the weak model's own, "
            + "as for --weight-decay; --weight-decay does not change it)")
    Double weakWeightDecay;
    @Option(names = "--schedule", description = "learning-rate schedule of every model: cosine, linear or constant "
            + "(default: cosine)")
    String schedule;
    @Option(names = "--warmup-steps", description = "linear learning-rate warm-up over N steps, every model (default: 0)")
    Integer warmupSteps;
    @Option(names = "--min-steps", paramLabel = "N", description = "at least N optimiser steps per model, passing over "
            + "a small training set more often than --epochs says, every model (default: " + w2s.zoo.Models.FINETUNE_MIN_STEPS
            + " for fine-tuned models, 0 otherwise: epochs alone)")
    Integer minSteps;
    @Option(names = "--optimizer", description = "adam (weight decay added to the gradient, as torch's Adam) or adamw "
            + "(decoupled weight decay), every model (default: adam)")
    String optimizer;
    @Option(names = "--adam-beta2", description = "Adam's beta2, every model (default: 0.999; EleutherAI 0.95)")
    Double adamBeta2;
    @Option(names = "--dropout", arity = "0..1", fallbackValue = "0.1", description = "fine-tuning: dropout on the "
            + "head's input during training, at the given rate (bare: 0.1; default: off, as the openai code)")
    Double dropout;
    @Option(names = "--eval-every", paramLabel = "N|auto", defaultValue = "auto", description = "record each model's "
            + "test accuracy every N steps, for the training curves (0: never; default: auto, about "
            + TrainConfig.CURVE_POINTS + " evenly spaced steps); it changes no model, so no cache or cell key holds it")
    String evalEvery;
    @Option(names = "--repair", description = "relabel B with a probe on the strong model's activations: knn, logreg, topo (default: off)")
    String repair;
    @Option(names = "--filter", description = "drop this fraction of B's weak labels that disagree most with the --repair probe (default knn; default: off)")
    Double filter;

    @Option(names = "--chain", split = ",", description = "bootstrapping: models from weak to strong, e.g. "
            + "bow,minilm-l6,bge-small; each learns on B from the previous one's labels (replaces --weak and --strong)")
    List<String> chain;
    @Option(names = "--s2s", defaultValue = "0", description = "strong-to-strong rounds: relabel B with the student's "
            + "soft predictions and train a fresh strong model on them, N times (default: ${DEFAULT-VALUE})")
    int s2s;
    @Option(names = "--n-val", paramLabel = "N", converter = SizeOption.class, description = "validation documents "
            + "carved from the training documents before A and B; with --early-stop every model stops on them "
            + "(default: 0, none; a preset's is a cap: at most half the training documents)")
    SplitSize nVal;
    @Option(names = "--early-stop", description = "keep each model's best step: with --n-val the weak model and the "
            + "ceiling scored against ground truth and each student against its supervisor's labels on the validation "
            + "split; without, the students only, on a held-out slice of B labelled by the supervisor (never on test)")
    boolean earlyStop;
    @Option(names = "--early-stop-patience", description = "stop training after N scorings without improvement "
            + "(default: train to the end and keep the best step)")
    Integer earlyStopPatience;
    @Option(names = "--early-stop-fraction", defaultValue = "0.2", description = "share of B held out (default: ${DEFAULT-VALUE})")
    double earlyStopFraction;
    @Option(names = "--early-stop-every", defaultValue = "5", description = "score every N steps (default: ${DEFAULT-VALUE})")
    int earlyStopEvery;
    @Option(names = "--early-stop-metric", defaultValue = "accuracy", description = "accuracy or auroc against the "
            + "supervisor's labels (default: ${DEFAULT-VALUE})")
    String earlyStopMetric;
    @Option(names = "--calibrate", defaultValue = "0", description = "hold out this fraction of B, labelled by the "
            + "supervisor, and temperature-scale the student on it (default: off)")
    double calibrate;
    @Option(names = "--weak-labels", paramLabel = "FILE", description = "train the student on these soft labels of B "
            + "instead of the weak model's: JSONL {\"id\", \"label\"} (probability of class 1) or another run's "
            + "weak_labels.jsonl; the weak model is still trained on A and scores the test set")
    Path weakLabels;
    @Option(names = "--features", paramLabel = "NAME=FILE,...", split = ",", description = "a feature-matrix task: "
            + "--task is its labels file (id, label) and each model name maps to a file of its vectors by id (.npy, "
            + ".parquet, .jsonl or .csv, named from the labels file's folder when relative; see the README), e.g. --features alexnet=a.npy,dino=d.npy --weak alexnet "
            + "--strong dino; with --weak-labels, the weak model is a pretrained classifier whose K-vectors per id that "
            + "file gives")
    Map<String, String> features;
    @Option(names = "--pairs", description = "a preference-pair task: choice (score chosen and rejected with one "
            + "scalar head, a softmax over the two; the default) or binary (one side per pair as a binary document, "
            + "the openai code's reading of anthropic_hh)")
    String pairs;
    @Option(names = "--max-new-tokens", paramLabel = "N", description = "a generative task: the most tokens a model "
            + "writes for one answer (default: 16; greedy decoding stops earlier at the model's end token)")
    Integer maxNewTokens;
    @Option(names = "--match", description = "a generative task: how answers are compared, after normalising both: "
            + "exact (as written), whitespace (ends trimmed, white space runs as one space; the default) or loose "
            + "(also lower case, trailing . , ; : ! ? dropped)")
    String match;
    @Option(names = "--store", description = "also add the result to this DuckDB store (the format of earlier versions)")
    Path store;
    @Option(names = "--preset", description = "a reference's family of defaults, for every option not given: "
            + "eleuther or openai (see the README for each value and its source)")
    String preset;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * The task as the configuration records it: {@code --revision} and the hf: column options written into its name
     * ({@code boolq@REV}, {@code hf:org/name;text=COLUMN;label=COLUMN}), so a result names everything it read.
     */
    static String hubTask(String task, String data, String revision, String text, String label, String chosen,
                          String rejected) {
        boolean columns = text != null || label != null || chosen != null || rejected != null;
        if (columns && !w2s.data.HubTask.isSpec(task))
            throw new IllegalArgumentException("--text, --label, --chosen and --rejected name the columns of an "
                    + "hf:ORG/NAME task, not of " + task);
        if (revision != null) {
            if (data != null) throw new IllegalArgumentException("--revision is for a dataset read from the Hugging "
                    + "Face Hub, not for --data " + data);
            if (task.contains("@")) throw new IllegalArgumentException("--revision " + revision + " and a revision in "
                    + "--task " + task + ": give one");
            int params = task.indexOf(';');
            task = params < 0 ? task + "@" + revision : task.substring(0, params) + "@" + revision
                    + task.substring(params);
        }
        return w2s.data.HubTask.withColumns(task, text, label, chosen, rejected);
    }

    /**
     * The presets: option → value, applied to options the command line did not give. "all" applies always, "finetune"
     * and "weak-finetune" when the strong or the weak model is fine-tuned (probes and bow keep their own training
     * defaults, which the references do not describe). A preset's sizes are caps, as the defaults are: the user did
     * not type them, so a task with fewer documents uses all it has. Sources in the README.
     */
    static final Map<String, Map<String, Map<String, Object>>> PRESETS = Map.of(
            // EleutherAI/w2s: sft_config.py (SFTConfig) and run.py (TrainingArguments), loss.py's logconf defaults.
            "eleuther", Map.of(
                    "all", ordered("--loss", "logconf-buffer", "--n-train", SplitSize.upTo(10000), "--n-val", SplitSize.upTo(1000),
                            "--n-test", SplitSize.upTo(5000),
                            "--balance", true, "--ceiling-on", "B", "--early-stop", true, "--early-stop-metric", "auroc",
                            "--early-stop-every", 25),
                    "finetune", ordered("--epochs", 3, "--lr", 8e-5, "--weight-decay", 0.1, "--batch-size", 32,
                            "--schedule", "cosine", "--warmup-steps", 40, "--optimizer", "adamw", "--adam-beta2", 0.95,
                            "--lora-rank", 8, "--min-steps", 0),
                    "weak-finetune", ordered("--weak-epochs", 3, "--weak-lr", 5e-4, "--weak-weight-decay", 0.1,
                            "--weak-lora-rank", 8)),
            // openai/weak-to-strong: train_weak_strong.py and train_simple.py (lr per model size is already each
            // fine-tuned model's default).
            "openai", Map.of(
                    "all", ordered("--n-train", SplitSize.upTo(20000), "--n-test", SplitSize.upTo(10000),
                            "--ceiling-on", "A"),
                    "finetune", ordered("--epochs", 2, "--weight-decay", 0.0, "--batch-size", 32, "--schedule", "cosine",
                            "--warmup-steps", 0, "--optimizer", "adam", "--adam-beta2", 0.999, "--min-steps", 0),
                    "weak-finetune", ordered("--weak-epochs", 2, "--weak-weight-decay", 0.0)),
            // openai/weak-to-strong vision/run_weak_strong.py: linear probes on frozen features, Adam at 1e-3, batch
            // 100, cosine over 10 epochs, no weight decay, every image; the student and the ceiling learn from the
            // same 40,000 (with --weak-labels, --ceiling-on B puts every training item in B).
            "vision", Map.of(
                    "all", ordered("--n-train", SplitSize.ALL, "--n-test", SplitSize.ALL, "--ceiling-on", "B",
                            "--epochs", 10, "--batch-size", 100, "--lr", 1e-3, "--weight-decay", 0.0, "--schedule",
                            "cosine", "--warmup-steps", 0),
                    "finetune", ordered(),
                    "weak-finetune", ordered()));

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    /** Sets the preset's values of every option the command line did not give. */
    private void applyPreset() {
        if (preset == null) return;
        Map<String, Map<String, Object>> values = PRESETS.get(preset);
        if (values == null) {
            throw new IllegalArgumentException("unknown --preset '" + preset + "'; valid presets: "
                    + String.join(", ", new java.util.TreeSet<>(PRESETS.keySet())));
        }
        picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
        java.util.List<String> groups = new java.util.ArrayList<>(List.of("all"));
        if (Training.parse(mode) == Training.FINETUNE) groups.add("finetune");
        if (Training.parse(weakMode) == Training.FINETUNE && !weak.equals(Models.BOW)) groups.add("weak-finetune");
        for (String group : groups) {
            values.get(group).forEach((option, value) -> {
                if (given == null || !given.hasMatchedOption(option)) spec.findOption(option).setValue(value);
            });
        }
    }

    ExperimentConfig config() {
        applyPreset();
        // Fail early on an unknown loss or parameter, listing the valid ones; the result names every parameter.
        loss = Losses.get(loss).name();
        // Every option is checked before anything runs, and one that would not be applied is refused, not recorded.
        for (String[] m : new String[][] {{"--mode", mode}, {"--weak-mode", weakMode}}) {
            if (!List.of("probe", "finetune").contains(m[1])) {
                throw new IllegalArgumentException("unknown " + m[0] + " '" + m[1] + "'; valid modes: probe, finetune");
            }
        }
        if (!earlyStop && (earlyStopFraction != 0.2 || earlyStopEvery != 5 || !earlyStopMetric.equals("accuracy"))) {
            throw new IllegalArgumentException("--early-stop-fraction, --early-stop-every and --early-stop-metric "
                    + "apply only with --early-stop");
        }
        if (weak.startsWith(w2s.elicit.CcsClassifier.PREFIX)
                && (weakEpochs != null || weakLr != null || weakWeightDecay != null)) {
            throw new IllegalArgumentException("--weak-epochs, --weak-lr and --weak-weight-decay do not apply to a CCS "
                    + "supervisor (" + weak + "), which trains with CCS's own settings");
        }
        if (chain != null) {
            if (chain.size() < 2) throw new IllegalArgumentException("--chain needs at least two models, got " + chain);
            weak = chain.get(0);
            strong = chain.get(chain.size() - 1);
        }
        List<ModelConfig> via = chain == null ? List.of() : chain.subList(1, chain.size() - 1).stream()
                .map(m -> Models.defaults(m, mode)).toList();
        if (features != null) return featureConfig();
        ExperimentConfig.Generation generation = generation();
        if (generation != null) {
            // Only a language model writes answers: the models of a generative task are fine-tuned unless told.
            picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
            if (given == null || !given.hasMatchedOption("--mode")) mode = "finetune";
            if (given == null || !given.hasMatchedOption("--weak-mode")) weakMode = "finetune";
            via = chain == null ? List.of() : chain.subList(1, chain.size() - 1).stream()
                    .map(m -> Models.defaults(m, mode)).toList();
        }
        ModelConfig w = optimiser(compute(override(Models.defaults(weak, weakMode), weakLayer, null, null, null, null,
                weakEpochs, weakLr, weakWeightDecay, null), "--weak-", weakLoraRank, weakLoraAlpha, weakLoraTargets,
                weakDtype, weakDevice, weakGradCheckpoint));
        ModelConfig s = optimiser(compute(override(Models.defaults(strong, mode), layer, pooling, head, maxTokens,
                freezeLayers, epochs, lr, weightDecay, batchSize), "--", loraRank, loraAlpha, loraTargets,
                dtype, device, gradCheckpoint));
        via = via.stream().map(this::optimiser).toList();
        // --truncate applies to every pretrained model: the weak one, the strong one and those in between.
        String side = w2s.encode.FeatureSpec.truncation(truncate);
        if (side != null) {
            if (s.mode() == Training.SCRATCH && w.mode() == Training.SCRATCH) {
                throw new IllegalArgumentException("--truncate applies to pretrained models, not " + s.name());
            }
            w = w.mode() == Training.SCRATCH ? w : w.withTruncate(side);
            s = s.mode() == Training.SCRATCH ? s : s.withTruncate(side);
            via = via.stream().map(m -> m.mode() == Training.SCRATCH ? m : m.withTruncate(side)).toList();
        }
        String dropLong = w2s.experiment.LongTexts.parse(longTexts);
        if (dropLong != null && s.mode() == Training.SCRATCH) {
            throw new IllegalArgumentException("--long-texts drop needs a pretrained strong model, whose tokenizer "
                    + "counts tokens, not " + s.name());
        }
        if (dropout != null && dropout > 0 && Stream.concat(Stream.of(w, s), via.stream())
                .noneMatch(m -> m.mode() == Training.FINETUNE)) {
            throw new IllegalArgumentException("--dropout applies to fine-tuned models (--mode finetune)");
        }
        // The ceiling's own settings start from the student's: only what is given differs.
        boolean ceilingLoraGiven = ceilingLoraRank != null || ceilingLoraAlpha != null || ceilingLoraTargets != null;
        ModelConfig ceiling = ceilingLoraGiven || ceilingDevice != null || ceilingGradCheckpoint != null
                ? compute(ceilingLoraGiven ? withoutLora(s) : s, "--ceiling-", ceilingLoraRank, ceilingLoraAlpha,
                        ceilingLoraTargets, null, ceilingDevice, ceilingGradCheckpoint)
                : null;
        ExperimentConfig.Repair labelRepair = repair == null && filter == null ? null
                : new ExperimentConfig.Repair(repair != null ? repair : "knn", filter != null ? filter : 0);
        if (earlyStopPatience != null && !earlyStop) {
            throw new IllegalArgumentException("--early-stop-patience needs --early-stop");
        }
        ExperimentConfig.EarlyStop stop = earlyStop ? new ExperimentConfig.EarlyStop(earlyStopFraction, earlyStopEvery,
                earlyStopMetric, earlyStopPatience) : null;
        SplitConfig split = new SplitConfig(seed, nTrain != null ? nTrain : SplitSize.upTo(N_TRAIN),
                nTest != null ? nTest : SplitSize.upTo(N_TEST), balance, varyTest, nVal != null ? nVal : SplitConfig.NO_VALIDATION);
        String task = hubTask(this.task, data, revision, textColumn, labelColumn, chosenColumn, rejectedColumn);
        return new ExperimentConfig(task, data, testFile, split, w, s, loss, ceilingOn, labelRepair, via, s2s, stop,
                calibrate, ceiling, weakLabels == null ? null : weakLabels.toAbsolutePath().normalize().toString(), preset,
                dropLong, pairKind(task), null, generation);
    }

    /**
     * How a generative task's answers are written and matched, when the task file's rows are prompts and answers;
     * null for every other task, where --max-new-tokens and --match are refused.
     */
    private ExperimentConfig.Generation generation() {
        Path file = Path.of(task);
        boolean generative = data == null && Files.isRegularFile(file) && w2s.data.Rows.isDataFile(file)
                && w2s.data.GenerativeTask.isGenerative(file);
        if (!generative) {
            if (maxNewTokens != null || match != null) {
                throw new IllegalArgumentException("--max-new-tokens and --match apply to generative tasks (rows of "
                        + "prompt and answer), not to " + task);
            }
            return null;
        }
        return new ExperimentConfig.Generation(maxNewTokens != null ? maxNewTokens : 16, match != null ? match
                : "whitespace");
    }

    /** "choice" for a preference-pair task unless --pairs binary; null (binary documents) otherwise. */
    private String pairKind(String task) {
        if (pairs != null && !List.of("choice", "binary").contains(pairs)) {
            throw new IllegalArgumentException("--pairs must be choice or binary, got " + pairs);
        }
        boolean hasPairs = w2s.data.Tasks.hasPairs(task, data == null ? null : Path.of(data));
        if (pairs != null && !hasPairs) {
            throw new IllegalArgumentException("--pairs applies to preference-pair tasks; " + task + " has no pairs");
        }
        return hasPairs && !"binary".equals(pairs) ? ExperimentConfig.CHOICE : null;
    }

    /**
     * A feature-matrix task's configuration: each model a probe on its feature file's vectors (the weak one, with
     * --weak-labels, a name for the pretrained classifier whose predictions the file gives), with the training
     * options applied as to any probe. Text options do not apply.
     */
    private ExperimentConfig featureConfig() {
        if (data != null || chain != null || layer != null || weakLayer != null || pooling != null || maxTokens != null
                || truncate != null || !mode.equals("probe") || !weakMode.equals("probe") || pairs != null) {
            throw new IllegalArgumentException("--features: the models are probes on the given vectors; --data, "
                    + "--chain, --layer, --pooling, --max-tokens, --truncate, --mode/--weak-mode finetune and --pairs do"
                    + " not apply");
        }
        java.util.TreeMap<String, String> files = new java.util.TreeMap<>();
        features.forEach((name, file) -> {
            if (name.isBlank() || file.isBlank()) {
                throw new IllegalArgumentException("--features takes NAME=FILE,..., got '" + name + "=" + file + "'");
            }
            // A relative file is named from the labels file's folder, where feature files usually sit beside it.
            Path f = Path.of(file);
            Path base = Path.of(task).toAbsolutePath().getParent();
            files.put(name, (f.isAbsolute() || base == null ? f : base.resolve(f)).toAbsolutePath().normalize().toString());
        });
        ModelConfig w = optimiser(override(Models.featureModel(weak), null, null, null, null, null, weakEpochs,
                weakLr, weakWeightDecay, null));
        ModelConfig s = optimiser(override(Models.featureModel(strong), null, null, head, null, null, epochs, lr,
                weightDecay, batchSize));
        SplitConfig split = new SplitConfig(seed, nTrain != null ? nTrain : SplitSize.upTo(N_TRAIN),
                nTest != null ? nTest : SplitSize.upTo(N_TEST), balance, varyTest, nVal != null ? nVal : SplitConfig.NO_VALIDATION);
        ExperimentConfig.EarlyStop stop = earlyStop ? new ExperimentConfig.EarlyStop(earlyStopFraction, earlyStopEvery,
                earlyStopMetric, earlyStopPatience) : null;
        return new ExperimentConfig(Path.of(task).toAbsolutePath().normalize().toString(), null, testFile == null ? null
                : Path.of(testFile).toAbsolutePath().normalize().toString(), split, w, s, loss, ceilingOn, null, List.of(),
                s2s, stop, calibrate, null, weakLabels == null ? null : weakLabels.toAbsolutePath().normalize().toString(),
                preset, longTexts, null, files, null);
    }

    /** --eval-every as {@link TrainConfig#evalEvery}: auto, 0 (never) or a number of steps. */
    static int evalEvery(String value) {
        if (value.trim().equalsIgnoreCase("auto")) return TrainConfig.EVAL_AUTO;
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("--eval-every must be auto, 0 (never) or a number of steps, got " + value);
    }

    /**
     * The optimiser options and the evaluation cadence, which apply to every model trained; dropout only to
     * fine-tuned ones. The weak model is watched too: its trained model is the ceiling of runs where it is the strong
     * one (one cached training), whose curve must be there.
     */
    private ModelConfig optimiser(ModelConfig m) {
        TrainConfig t = m.train();
        return m.withTrain(new TrainConfig(t.epochs(), t.batchSize(), t.lr(), t.weightDecay(),
                schedule != null ? schedule : t.schedule(), evalEvery(evalEvery), t.seed(),
                warmupSteps != null ? warmupSteps : t.warmupSteps(), optimizer != null ? optimizer : t.optimizer(),
                adamBeta2 != null ? adamBeta2 : t.beta2(),
                dropout != null && m.mode() == Training.FINETUNE ? dropout : t.dropout(),
                minSteps != null ? minSteps : t.minSteps()));
    }

    /**
     * Applies the fine-tuning compute options (prefixed "--", "--weak-" or "--ceiling-" in errors): LoRA, dtype,
     * device, gradient checkpointing. They apply to --mode finetune only, except --dtype fp32, which every model
     * already runs in. A CUDA device that does not exist is refused here, before anything trains.
     */
    static ModelConfig compute(ModelConfig m, String prefix, Integer loraRank, Double loraAlpha, List<String> loraTargets,
                               String dtype, String device, Boolean gradCheckpoint) {
        w2s.model.arch.Lora.Config lora = w2s.model.arch.Lora.Config.of(loraRank, loraAlpha, loraTargets);
        Models.checkDtype(dtype);
        if (m.mode() != Training.FINETUNE) {
            // rank 0 and fp32 are what every other model does already, so a sweep may cross them with modes.
            String given = lora != null ? prefix + "lora-rank" : device != null ? prefix + "device"
                    : gradCheckpoint != null ? prefix + "grad-checkpoint" : "bf16".equals(dtype) ? prefix + "dtype bf16"
                    : null;
            if (given != null) throw new IllegalArgumentException(given + " applies to fine-tuning, not " + m.describe());
            return m;
        }
        if (lora != null && m.freezeLayers() != null && m.freezeLayers() > 0) {
            throw new IllegalArgumentException(prefix + "lora-rank " + lora.rank() + " freezes the whole backbone already;"
                    + " it cannot be combined with --freeze-layers " + m.freezeLayers());
        }
        String d = device != null ? device.trim().toLowerCase(java.util.Locale.ROOT) : m.device() != null ? m.device()
                : "auto";
        // Syntax always; a CUDA device only exists if the engine sees it.
        if (!d.equals("auto") && !d.equals("cpu")) w2s.torch.Device.parse(d);
        // Resolved here, before the configuration keys a cache entry: "auto" is never recorded.
        w2s.torch.Dtype.Choice choice = Models.dtype(dtype != null ? dtype : "auto", d);
        String resolved = choice.dtype().id();
        System.err.println(m.name() + ": fine-tuning in " + choice.reason());
        return new ModelConfig(m.name(), m.mode(), m.layer(), m.pooling(), m.maxTokens(), m.head(), m.train(),
                m.freezeLayers(), lora != null ? lora : loraRank != null ? null : m.lora(), resolved,
                device != null ? d : m.device(), gradCheckpoint != null ? gradCheckpoint : m.gradCheckpoint(),
                m.truncate());
    }

    private static ModelConfig withoutLora(ModelConfig m) {
        return new ModelConfig(m.name(), m.mode(), m.layer(), m.pooling(), m.maxTokens(), m.head(), m.train(),
                m.freezeLayers(), null, m.dtype(), m.device(), m.gradCheckpoint(), m.truncate());
    }

    static ModelConfig override(ModelConfig m, String layer, String pooling, String head, Integer maxTokens,
                                Integer freezeLayers, Integer epochs, Double lr, Double weightDecay, Integer batchSize) {
        TrainConfig t = m.train();
        TrainConfig train = new TrainConfig(epochs != null ? epochs : t.epochs(), batchSize != null ? batchSize : t.batchSize(),
                lr != null ? lr : t.lr(), weightDecay != null ? weightDecay : t.weightDecay(), t.schedule(), t.evalEvery(),
                t.seed(), t.warmupSteps(), t.optimizer(), t.beta2(), t.dropout(), t.minSteps());
        boolean encoder = m.mode() != Training.SCRATCH;
        if (maxTokens != null && maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        if (freezeLayers != null && freezeLayers < 0) {
            throw new IllegalArgumentException("--freeze-layers must be 0 or more, got " + freezeLayers);
        }
        if (weightDecay != null && !(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be 0 or more, got " + weightDecay);
        }
        if (pooling != null) w2s.model.Pooling.parse(pooling);
        if (head != null && !List.of("linear", "mlp").contains(head)) {
            throw new IllegalArgumentException("unknown head '" + head + "'; valid heads: linear, mlp");
        }
        if (head != null && m.mode() != Training.PROBE && m.mode() != Training.FINETUNE) {
            throw new IllegalArgumentException("--head applies to probes, not " + m.name());
        }
        if (!encoder && maxTokens != null) throw new IllegalArgumentException("--max-tokens applies to encoders, not " + m.name());
        if (!encoder && (layer != null || pooling != null)) {
            throw new IllegalArgumentException("--layer and --pooling apply to encoders, not " + m.name());
        }
        if (m.mode() == Training.FINETUNE && layer != null) {
            throw new IllegalArgumentException("--layer applies to probes; fine-tuning trains its head on the last layer");
        }
        if (m.mode() == Training.FINETUNE && head != null && !head.equals("linear")) {
            throw new IllegalArgumentException("--head " + head + " applies to probes; fine-tuning trains a linear head,"
                    + " as the reference does");
        }
        if (freezeLayers != null && m.mode() != Training.FINETUNE) {
            throw new IllegalArgumentException("--freeze-layers applies to --mode finetune");
        }
        if (m.mode() == Training.PROBE && layer != null) w2s.encode.FeatureSource.of(m.name()).layer(layer);
        return new ModelConfig(m.name(), m.mode(), encoder && layer != null ? layer : m.layer(),
                pooling != null ? pooling : m.pooling(), encoder && maxTokens != null ? maxTokens : m.maxTokens(), head != null ? head : m.head(), train,
                freezeLayers != null ? freezeLayers : m.freezeLayers(), m.lora(), m.dtype(), m.device(), m.gradCheckpoint(),
                m.truncate());
    }

    /** The values a preset run ended up with, in one line. */
    static String presetSummary(ExperimentConfig c) {
        TrainConfig t = c.strong().train();
        return "loss " + c.loss() + ", n-train " + c.split().nTrain() + ", n-val " + c.split().nVal().count() + ", n-test "
                + c.split().nTest() + ", balance " + c.split().balance() + ", ceiling on " + c.ceilingOn()
                + ", early stop " + (c.earlyStop() == null ? "off" : c.earlyStop().metric() + " every "
                + c.earlyStop().every()) + "; strong: " + t.optimizer() + " (beta2 " + t.beta2() + ", weight decay "
                + t.weightDecay() + "), lr " + t.lr() + ", " + t.schedule() + " after " + t.warmupSteps()
                + " warm-up steps, " + t.epochs() + " epochs, batch " + t.batchSize();
    }

    @Override
    public Integer call() {
        ExperimentConfig config = config();
        if (config.preset() != null) System.out.println("preset " + config.preset() + ": " + presetSummary(config));
        Experiment.Outcome outcome;
        String key;
        try (Experiment experiment = new Experiment(cache != null ? cache : Places.cacheRoot())) {
            outcome = experiment.run(config);
            key = experiment.cellKey(config);
            if (store != null) {
                try (ResultStore results = ResultStore.open(store)) {
                    results.add(key, outcome.result());
                }
            }
        }
        Path dir = out != null ? out : RunWriter.defaultDir(config, key);
        RunWriter.write(dir, key, outcome);
        System.out.print(RunTables.single(outcome.result()));
        RunTables.warnings(outcome.result()).forEach(System.err::println);
        System.out.println("wrote " + dir.resolve("metrics.json") + (store != null ? " and a row of " + store : ""));
        return 0;
    }

}
