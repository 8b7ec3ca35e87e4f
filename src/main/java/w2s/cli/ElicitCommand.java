package w2s.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.data.Example;
import w2s.data.Split;
import w2s.data.SplitConfig;
import w2s.data.Task;
import w2s.data.Tasks;
import w2s.elicit.Ccs;
import w2s.elicit.ContrastTemplate;
import w2s.elicit.Elicit;
import w2s.encode.FeatureSource;
import w2s.encode.FeatureCache;
import w2s.experiment.Experiment;
import w2s.report.Json;
import w2s.report.Table;

/** {@code w2s elicit}: CCS against a supervised probe and a random direction, per encoder layer. */
@Command(name = "elicit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Turn each statement into a contrast pair (x+ asserts it, x- denies it), read an encoder's hidden "
                + "states and compare contrast-consistent search (unsupervised), logistic regression on x- - x+ "
                + "(supervised) and a random direction on a held-out test set; print and write accuracy, AUROC, ECE.")
final class ElicitCommand implements Callable<Integer> {
    @Option(names = "--task", required = true, description = "built-in task name or a .jsonl/.csv file")
    String task;
    @Option(names = "--model", defaultValue = "minilm-l6", description = "encoder (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--layer", defaultValue = "middle", description = "last, middle, N or all (0 = embeddings .. N)")
    String layer;
    @Option(names = "--method", defaultValue = "all", description = "ccs, logreg, random or all")
    String method;
    @Option(names = "--template", defaultValue = ContrastTemplate.DEFAULT,
            description = "contrast template: true-false, question, grammatical, yes-no (default: ${DEFAULT-VALUE})")
    String template;
    @Option(names = "--sign-points", defaultValue = "0", description = "fix the sign of CCS/random with the first K "
            + "training labels; 0: report max(acc, 1 - acc) on the test set, as the reference does")
    int signPoints;
    @Option(names = "--n-train", defaultValue = "400", description = "training statements (both halves of the split)")
    int nTrain;
    @Option(names = "--n-test", defaultValue = "200", description = "test statements")
    int nTest;
    @Option(names = "--balance", description = "undersample the majority class to 50/50")
    boolean balance;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the split and of CCS's restarts")
    long seed;
    @Option(names = "--epochs", defaultValue = "1000", description = "CCS full-batch epochs")
    int epochs;
    @Option(names = "--restarts", defaultValue = "10", description = "CCS random restarts, lowest loss kept")
    int restarts;
    @Option(names = "--lr", defaultValue = "1e-3", description = "CCS AdamW learning rate")
    double lr;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "CCS AdamW weight decay")
    double weightDecay;
    @Option(names = "--var-normalize", description = "also divide x+ and x- by their standard deviations")
    boolean varNormalize;
    @Option(names = "--pooling", description = "pooling of token states: mean, cls or last (default: last for"
            + " decoders, mean for encoders)")
    String pooling;
    @Option(names = "--max-tokens", defaultValue = "256", description = "truncate texts to this many tokens")
    int maxTokens;
    @Option(names = "--out", description = "output folder (default: runs/elicit_<task>_<model>_<template>_seed<seed>)")
    Path out;
    @Option(names = "--cache", description = "cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;

    /** Everything that determines the result, written beside it. */
    record Config(String task, String model, List<Integer> layers, List<String> methods, ContrastTemplate template,
                  SplitConfig split, Ccs.Config ccs, int signPoints, String pooling, int maxTokens) {}

    record Result(Config config, int nTrain, int nTest, List<Elicit.Row> rows) {}

    @Override
    public Integer call() {
        FeatureSource encoder = FeatureSource.of(model);
        if (pooling == null) pooling = encoder.causal() ? "last" : "mean";
        w2s.model.Pooling.parse(pooling);
        List<Integer> layers = new ArrayList<>();
        if (layer.equals("all")) for (int l = 0; l <= encoder.layers(); l++) layers.add(l);
        else layers.add(encoder.layer(layer));
        List<String> methods = method.equals("all") ? Elicit.METHODS : List.of(method);
        Ccs.Config ccs = new Ccs.Config(epochs, lr, weightDecay, restarts, varNormalize, seed);
        Config config = new Config(task, model, layers, methods, ContrastTemplate.get(template),
                new SplitConfig(seed, nTrain, nTest, balance), ccs, signPoints, pooling, maxTokens);
        Elicit.Settings settings = new Elicit.Settings(model, pooling, encoder.checkMaxTokens(maxTokens),
                config.template(), ccs, signPoints);

        Task t = Tasks.load(task);
        Split split = Split.of(t, config.split());
        // CCS needs no A/B distinction: both halves are its (unlabeled) training statements.
        List<Example> train = new ArrayList<>(split.a());
        train.addAll(split.b());

        List<Elicit.Row> rows = new ArrayList<>();
        Path root = cache != null ? cache : Experiment.defaultCacheRoot();
        try (FeatureCache features = new FeatureCache(root.resolve("features"))) {
            if (layers.size() > 1) {
                List<Example> all = new ArrayList<>(train);
                all.addAll(split.test());
                Elicit.prefetch(features, settings, layers.stream().mapToInt(Integer::intValue).toArray(), all);
            }
            for (int l : layers) {
                rows.addAll(Elicit.layer(features, settings, l, train, split.test(), methods));
            }
        }
        Table table = new Table("layer", "method", "accuracy", "auroc", "ece", "brier", "ccs loss", "sign");
        for (Elicit.Row r : rows) {
            table.row(r.layer(), r.method(), r.accuracy(), r.auroc(), r.ece(), r.brier(), r.ccsLoss(), r.sign());
        }
        Path dir = out != null ? out
                : Path.of("runs", "elicit_" + t.name() + "_" + model + "_" + template + "_seed" + seed);
        Json.writeAtomically(dir.resolve("elicit.json"), new Result(config, train.size(), split.test().size(), rows));
        System.out.printf("%s, %s, template %s: %d training and %d test statements%n", t.name(), model, template,
                train.size(), split.test().size());
        System.out.print(table);
        System.out.println("wrote " + dir.resolve("elicit.json"));
        return 0;
    }
}
