package w2s.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.data.SplitConfig;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunWriter;
import w2s.model.ModelConfig;
import w2s.model.Training;
import w2s.model.Models;
import w2s.report.RunTables;
import w2s.results.ResultStore;
import w2s.train.Losses;
import w2s.train.TrainConfig;

/** {@code w2s run}: one weak-to-strong experiment. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a weak model on half A, label half B with it, train the strong model on those labels "
                + "(the student) and on ground truth (the ceiling); print and write the metrics.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--task", required = true, description = "built-in task name or a .jsonl/.csv file")
    String task;
    @Option(names = "--data", description = "file or folder a converter task reads (e.g. --task sciq --data sciq/)")
    String data;
    @Option(names = "--test", description = "a separate test file for a file task (default: a seeded hold-out)")
    String testFile;
    @Option(names = "--weak", defaultValue = "bow", description = "weak model (default: ${DEFAULT-VALUE})")
    String weak;
    @Option(names = "--strong", defaultValue = "minilm-l6", description = "strong model (default: ${DEFAULT-VALUE})")
    String strong;
    @Option(names = "--loss", defaultValue = "xent", description = "student loss: xent, logconf, logconf-linear, product")
    String loss;
    @Option(names = "--seed", defaultValue = "0")
    long seed;
    @Option(names = "--out", description = "output folder (default: runs/<task>_<weak>_<strong>_<loss>_seed<seed>)")
    Path out;
    @Option(names = "--cache", description = "cache folder for features, weak labels and ceilings (default: $W2S_CACHE or ~/.cache/w2s)")
    Path cache;

    @Option(names = "--n-train", defaultValue = "4000", description = "training documents, halved into A and B")
    int nTrain;
    @Option(names = "--n-test", defaultValue = "1000")
    int nTest;
    @Option(names = "--balance", description = "undersample the majority class to 50/50")
    boolean balance;
    @Option(names = "--ceiling-on", defaultValue = "A", description = "half that trains the ceiling: A or B")
    String ceilingOn;

    @Option(names = "--mode", defaultValue = "probe", description = "strong model mode: probe or finetune")
    String mode;
    @Option(names = "--weak-mode", defaultValue = "probe", description = "weak model mode when it is an encoder")
    String weakMode;
    @Option(names = "--layer", description = "encoder layer for the strong model: last, middle or N")
    String layer;
    @Option(names = "--weak-layer", description = "encoder layer for the weak model")
    String weakLayer;
    @Option(names = "--head", description = "probe head: linear or mlp")
    String head;
    @Option(names = "--max-tokens", description = "truncate texts to this many tokens")
    Integer maxTokens;
    @Option(names = "--pooling", description = "pooling of the strong model's token states: mean (over the attention "
            + "mask), cls, or last (the last real token; the default for decoders)")
    String pooling;
    @Option(names = "--freeze-layers", description = "fine-tuning: keep the embeddings and the lowest N layers frozen")
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
    @Option(names = "--dtype", description = "fine-tuning precision: fp32 (bf16 is refused: this PyTorch build aborts "
            + "on bfloat16 arrays)")
    String dtype;
    @Option(names = "--device", description = "fine-tuning device: auto (a GPU if the CUDA build sees one, else the "
            + "CPU; default), cpu, cuda, cuda:N")
    String device;
    @Option(names = "--grad-checkpoint", description = "fine-tuning: hold one minibatch's activations at a time, "
            + "recomputing its forward pass for the backward pass (less memory, about a third more time)")
    Boolean gradCheckpoint;
    @Option(names = "--weak-lora-rank")
    Integer weakLoraRank;
    @Option(names = "--weak-lora-alpha")
    Double weakLoraAlpha;
    @Option(names = "--weak-lora-targets", split = ",")
    List<String> weakLoraTargets;
    @Option(names = "--weak-dtype")
    String weakDtype;
    @Option(names = "--weak-device")
    String weakDevice;
    @Option(names = "--weak-grad-checkpoint")
    Boolean weakGradCheckpoint;
    @Option(names = "--ceiling-lora-rank", description = "the ceiling's LoRA rank, where it differs from the student's"
            + " (0: full fine-tuning); likewise --ceiling-lora-alpha, --ceiling-lora-targets, --ceiling-device,"
            + " --ceiling-grad-checkpoint")
    Integer ceilingLoraRank;
    @Option(names = "--ceiling-lora-alpha")
    Double ceilingLoraAlpha;
    @Option(names = "--ceiling-lora-targets", split = ",")
    List<String> ceilingLoraTargets;
    @Option(names = "--ceiling-device")
    String ceilingDevice;
    @Option(names = "--ceiling-grad-checkpoint")
    Boolean ceilingGradCheckpoint;

    @Option(names = "--epochs", description = "strong model epochs")
    Integer epochs;
    @Option(names = "--lr", description = "strong model learning rate")
    Double lr;
    @Option(names = "--weight-decay", description = "strong model L2 weight decay")
    Double weightDecay;
    @Option(names = "--batch-size", description = "strong model batch size")
    Integer batchSize;
    @Option(names = "--weak-epochs")
    Integer weakEpochs;
    @Option(names = "--weak-lr")
    Double weakLr;
    @Option(names = "--weak-weight-decay")
    Double weakWeightDecay;
    @Option(names = "--eval-every", defaultValue = "0", description = "record test accuracy every N steps (0: never)")
    int evalEvery;
    @Option(names = "--repair", description = "relabel B with a probe on the strong model's activations: knn, logreg, topo")
    String repair;
    @Option(names = "--filter", description = "drop this fraction of B's weak labels that disagree most with the --repair probe (default knn)")
    Double filter;

    @Option(names = "--chain", split = ",", description = "bootstrapping: models from weak to strong, e.g. "
            + "bow,minilm-l6,bge-small; each learns on B from the previous one's labels (replaces --weak and --strong)")
    List<String> chain;
    @Option(names = "--s2s", defaultValue = "0", description = "strong-to-strong rounds: relabel B with the student's "
            + "soft predictions and train a fresh strong model on them, N times (default: ${DEFAULT-VALUE})")
    int s2s;
    @Option(names = "--early-stop", description = "keep each student's best step, scored on a held-out slice of B "
            + "labelled by its supervisor (never on test)")
    boolean earlyStop;
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
    @Option(names = "--store", description = "also append the result to this results store (DuckDB file)")
    Path store;

    ExperimentConfig config() {
        Losses.get(loss); // fail early on an unknown loss, listing the valid ones
        if (chain != null) {
            if (chain.size() < 2) throw new IllegalArgumentException("--chain needs at least two models, got " + chain);
            weak = chain.get(0);
            strong = chain.get(chain.size() - 1);
        }
        List<ModelConfig> via = chain == null ? List.of() : chain.subList(1, chain.size() - 1).stream()
                .map(m -> Models.defaults(m, mode)).toList();
        ModelConfig w = override(Models.defaults(weak, weakMode), weakLayer, null, null, null, null, weakEpochs,
                weakLr, weakWeightDecay, null, 0);
        w = compute(w, "--weak-", weakLoraRank, weakLoraAlpha, weakLoraTargets, weakDtype, weakDevice,
                weakGradCheckpoint);
        ModelConfig s = compute(override(Models.defaults(strong, mode), layer, pooling, head, maxTokens, freezeLayers,
                epochs, lr, weightDecay, batchSize, evalEvery), "--", loraRank, loraAlpha, loraTargets, dtype, device,
                gradCheckpoint);
        // The ceiling's own settings start from the student's: only what is given differs.
        boolean ceilingLoraGiven = ceilingLoraRank != null || ceilingLoraAlpha != null || ceilingLoraTargets != null;
        ModelConfig ceiling = ceilingLoraGiven || ceilingDevice != null || ceilingGradCheckpoint != null
                ? compute(ceilingLoraGiven ? withoutLora(s) : s, "--ceiling-", ceilingLoraRank, ceilingLoraAlpha,
                        ceilingLoraTargets, null, ceilingDevice, ceilingGradCheckpoint)
                : null;
        ExperimentConfig.Repair labelRepair = repair == null && filter == null ? null
                : new ExperimentConfig.Repair(repair != null ? repair : "knn", filter != null ? filter : 0);
        ExperimentConfig.EarlyStop stop = earlyStop
                ? new ExperimentConfig.EarlyStop(earlyStopFraction, earlyStopEvery, earlyStopMetric) : null;
        return new ExperimentConfig(task, data, testFile, new SplitConfig(seed, nTrain, nTest, balance), w, s, loss,
                ceilingOn, labelRepair, via, s2s, stop, calibrate, ceiling);
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
                    : gradCheckpoint != null ? prefix + "grad-checkpoint" : null;
            if (given != null) throw new IllegalArgumentException(given + " applies to fine-tuning, not " + m.describe());
            return m;
        }
        if (lora != null && m.freezeLayers() != null && m.freezeLayers() > 0) {
            throw new IllegalArgumentException(prefix + "lora-rank " + lora.rank() + " freezes the whole backbone already;"
                    + " it cannot be combined with --freeze-layers " + m.freezeLayers());
        }
        if (device != null) {
            // Syntax always; a CUDA device only exists if the engine sees it.
            String d = device.trim().toLowerCase(java.util.Locale.ROOT);
            if (!d.equals("auto") && !d.equals("cpu")) w2s.model.arch.Torch.device(d);
        }
        return new ModelConfig(m.name(), m.mode(), m.layer(), m.pooling(), m.maxTokens(), m.head(), m.train(),
                m.freezeLayers(), lora != null ? lora : loraRank != null ? null : m.lora(),
                dtype != null ? dtype : m.dtype(), device != null ? device.trim().toLowerCase(java.util.Locale.ROOT)
                : m.device(), gradCheckpoint != null ? gradCheckpoint : m.gradCheckpoint());
    }

    private static ModelConfig withoutLora(ModelConfig m) {
        return new ModelConfig(m.name(), m.mode(), m.layer(), m.pooling(), m.maxTokens(), m.head(), m.train(),
                m.freezeLayers(), null, m.dtype(), m.device(), m.gradCheckpoint());
    }

    static ModelConfig override(ModelConfig m, String layer, String pooling, String head, Integer maxTokens,
                                Integer freezeLayers, Integer epochs, Double lr, Double weightDecay, Integer batchSize,
                                int evalEvery) {
        TrainConfig t = m.train();
        TrainConfig train = new TrainConfig(epochs != null ? epochs : t.epochs(), batchSize != null ? batchSize : t.batchSize(),
                lr != null ? lr : t.lr(), weightDecay != null ? weightDecay : t.weightDecay(), t.schedule(), evalEvery,
                t.seed());
        boolean encoder = m.mode() != Training.SCRATCH;
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
        return new ModelConfig(m.name(), m.mode(), encoder && layer != null ? layer : m.layer(),
                pooling != null ? pooling : m.pooling(), encoder && maxTokens != null ? maxTokens : m.maxTokens(), head != null ? head : m.head(), train,
                freezeLayers != null ? freezeLayers : m.freezeLayers(), m.lora(), m.dtype(), m.device(), m.gradCheckpoint());
    }

    @Override
    public Integer call() {
        ExperimentConfig config = config();
        Experiment.Outcome outcome;
        try (Experiment experiment = new Experiment(cache != null ? cache : Experiment.defaultCacheRoot())) {
            outcome = experiment.run(config);
            if (store != null) {
                try (ResultStore results = ResultStore.open(store)) {
                    results.add(experiment.cellKey(config), outcome.result());
                }
            }
        }
        Path dir = out != null ? out : RunWriter.defaultDir(config);
        RunWriter.write(dir, outcome);
        System.out.print(RunTables.single(outcome.result()));
        RunTables.warnings(outcome.result()).forEach(System.err::println);
        System.out.println("wrote " + dir.resolve("metrics.json") + (store != null ? " and a row of " + store : ""));
        return 0;
    }

}
