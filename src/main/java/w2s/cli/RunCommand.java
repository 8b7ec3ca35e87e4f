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
    @Option(names = "--out", description = "output folder (default: runs/<task>_<weak>_<strong>-<mode>_<loss>_seed<seed>-<hash>)")
    Path out;
    @Option(names = "--cache", description = "cache folder for features, weak labels and ceilings (default: $W2S_CACHE or ~/.cache/w2s)")
    Path cache;

    @Option(names = "--n-train", defaultValue = "4000", description = "training documents, halved into A and B "
            + "(a task with fewer: all of them, said on stderr; the result records the sizes used)")
    int nTrain;
    @Option(names = "--n-test", defaultValue = "1000", description = "test documents, the same for every seed (a "
            + "task with fewer: all of them; at most half of a task without a test split)")
    int nTest;
    @Option(names = "--balance", description = "undersample the majority class to 50/50")
    boolean balance;
    @Option(names = "--vary-test", description = "draw the test set with the seed too (default: the same test "
            + "documents for every seed)")
    boolean varyTest;
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
    @Option(names = "--weak-labels", paramLabel = "FILE", description = "train the student on these soft labels of B "
            + "instead of the weak model's: JSONL {\"id\", \"label\"} (probability of class 1) or another run's "
            + "weak_labels.jsonl; the weak model is still trained on A and scores the test set")
    Path weakLabels;
    @Option(names = "--store", description = "also add the result to this DuckDB store (the format of earlier versions)")
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
        ModelConfig s = override(Models.defaults(strong, mode), layer, pooling, head, maxTokens, freezeLayers, epochs,
                lr, weightDecay, batchSize, evalEvery);
        ExperimentConfig.Repair labelRepair = repair == null && filter == null ? null
                : new ExperimentConfig.Repair(repair != null ? repair : "knn", filter != null ? filter : 0);
        ExperimentConfig.EarlyStop stop = earlyStop
                ? new ExperimentConfig.EarlyStop(earlyStopFraction, earlyStopEvery, earlyStopMetric) : null;
        return new ExperimentConfig(task, data, testFile, new SplitConfig(seed, nTrain, nTest, balance, varyTest), w, s, loss,
                ceilingOn, labelRepair, via, s2s, stop, calibrate,
                weakLabels == null ? null : weakLabels.toAbsolutePath().normalize().toString());
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
                freezeLayers != null ? freezeLayers : m.freezeLayers());
    }

    @Override
    public Integer call() {
        ExperimentConfig config = config();
        Experiment.Outcome outcome;
        String key;
        try (Experiment experiment = new Experiment(cache != null ? cache : Experiment.defaultCacheRoot())) {
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
