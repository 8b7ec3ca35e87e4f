package w2s.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.base.Json;
import w2s.base.Places;
import w2s.base.Progress;
import w2s.base.Table;
import w2s.data.Example;
import w2s.data.Split;
import w2s.data.SplitConfig;
import w2s.data.SplitSize;
import w2s.data.Task;
import w2s.data.Tasks;
import w2s.elicit.Ccs;
import w2s.elicit.ContrastTemplate;
import w2s.elicit.Elicit;
import w2s.elicit.PromptFitter;
import w2s.elicit.ZeroShot;
import w2s.encode.FeatureCache;
import w2s.encode.FeatureSource;
import w2s.experiment.Experiment;
import w2s.metrics.Metrics;

/** {@code w2s elicit}: CCS and VINC against a supervised probe and a random direction, per layer. */
@Command(name = "elicit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Turn each example into contrast pairs with prompt templates whose answers are label words (x+ "
                + "answers with label 1's word, x- with label 0's), read the hidden state of each prompt's last token "
                + "and compare contrast-consistent search and VINC (unsupervised), logistic regression on x- - x+ "
                + "(supervised) and a random direction on a held-out test set, per template and ensembled over "
                + "templates; print and write accuracy, AUROC, ECE, Brier.")
final class ElicitCommand implements Callable<Integer> {
    @Option(names = "--task", required = true, description = "built-in task, converter name (its dataset from the "
            + "Hugging Face Hub, or --data), hf:ORG/NAME[:CONFIG][@REVISION];text=COLUMN;label=COLUMN, or a "
            + ".jsonl/.csv file")
    String task;
    @Option(names = "--data", description = "the file or folder a converter task reads (e.g. --task sst2 --data PATH)")
    Path data;
    @Option(names = "--model", defaultValue = "minilm-l6", description = "encoder or decoder (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--layer", defaultValue = "middle", description = "last, middle, N or all (0 = embeddings .. N)")
    String layer;
    @Option(names = "--method", defaultValue = "all", split = ",",
            description = "ccs, vinc, logreg, random, zero-shot (decoders: the label words' next-token "
                    + "probabilities) or all (comma-separated)")
    List<String> method;
    @Option(names = "--template", description = "repeatable, or comma-separated names: a built-in template name, a task kind "
            + "(sentiment, statement, qa, grammar, preference, spam, generic: its whole family), auto (the task's "
            + "kind; the default), all, or a custom template containing {text} and {label} (with --labels)")
    List<String> template;
    @Option(names = "--labels", description = "the two answers of custom templates, label 0's then label 1's: "
            + "\"negative,positive\"")
    String labels;
    @Option(names = "--pooling", defaultValue = "last", description = "token states read: last (the paper's: the last "
            + "real token), last-text (the answer's own token, before an encoder's closing [SEP]), mean or cls (default: "
            + "${DEFAULT-VALUE})")
    String pooling;
    @Option(names = "--max-tokens", defaultValue = "256", description = "token limit of a prompt (default: "
            + "${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--long-texts", defaultValue = "truncate", description = "prompts longer than --max-tokens: truncate "
            + "(cut the text inside the template, never the answer) or drop (leave the example out, as the reference "
            + "does); the same option as run's (default: ${DEFAULT-VALUE})")
    String truncate;
    @Option(names = "--normalize", defaultValue = "test", description = "statistics that centre the test pairs: test "
            + "(their own, as the reference does) or train (default: ${DEFAULT-VALUE})")
    String normalize;
    @Option(names = "--var-normalize", description = "also divide x+ and x- by their standard deviations")
    boolean varNormalize;
    @Option(names = "--probe", defaultValue = "linear", description = "CCS probe: linear, or mlp (the paper's variant, "
            + "100 ReLU units; slow on CPU)")
    String probe;
    @Option(names = "--logreg-balanced", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "weigh both classes equally in logistic regression, as the reference does (default: on)")
    boolean logregBalanced;
    @Option(names = "--sign-points", defaultValue = "0", description = "fix the sign of CCS/VINC/random with the first "
            + "K training labels; 0: max(acc, 1 - acc) of the ensemble on the test set, as the reference reports")
    int signPoints;
    // Left out, a size is a cap (all examples, if the task has fewer); a number typed is one the task must have.
    @Option(names = "--n-train", paramLabel = "N|all", converter = SizeOption.class, description = "training examples "
            + "(both halves of the split; default: 400, or all if fewer)")
    SplitSize nTrain;
    @Option(names = "--n-test", paramLabel = "N|all", converter = SizeOption.class, description = "test statements "
            + "(default: 200, or all if fewer)")
    SplitSize nTest;
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
    @Option(names = "--out", description = "output folder (default: runs/elicit_<task>_<model>_seed<seed>)")
    Path out;
    @Option(names = "--cache", description = "cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;

    /** Everything that determines the result, written beside it. */
    record Config(String task, String data, String model, List<Integer> layers, List<String> methods,
                  List<ContrastTemplate> templates, SplitConfig split, Ccs.Config ccs, String probe, int signPoints,
                  String pooling, int maxTokens, String truncate, String normalize, boolean logregBalanced) {}

    /** How the prompts of one set fared against the token limit. */
    record PromptCounts(int examples, int kept, int truncated, int dropped) {
        static PromptCounts of(int examples, PromptFitter.Fitted f) {
            return new PromptCounts(examples, f.examples().size(), f.truncated(), f.dropped());
        }
    }

    record Result(Config config, int nTrain, int nTest, PromptCounts trainPrompts, PromptCounts testPrompts,
                  List<Elicit.Row> rows) {}

    @Override
    public Integer call() {
        FeatureSource encoder = FeatureSource.of(model);
        w2s.model.Pooling.parse(pooling);
        List<Integer> layers = new ArrayList<>();
        if (layer.equals("all")) for (int l = 0; l <= encoder.layers(); l++) layers.add(l);
        else {
            try {
                layers.add(encoder.layer(layer));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--layer: " + e.getMessage(), e);
            }
        }
        List<String> methods = new ArrayList<>();
        boolean zeroShot = false;
        for (String m : method) {
            if (m.equals("all")) {
                methods.addAll(Elicit.METHODS);
                zeroShot |= encoder.causal();
            } else if (m.equals(ZeroShot.METHOD)) {
                if (!encoder.causal()) {
                    throw new IllegalArgumentException("--method zero-shot needs a decoder's next-token probabilities;"
                            + " " + model + " is an encoder");
                }
                zeroShot = true;
            } else if (Elicit.METHODS.contains(m)) methods.add(m);
            else throw new IllegalArgumentException("--method: unknown method '" + m + "'; valid methods: "
                        + String.join(", ", Elicit.METHODS) + ", zero-shot (decoders), all");
        }
        methods = methods.stream().distinct().toList();
        if (!probe.equals("linear") && !probe.equals("mlp")) {
            throw new IllegalArgumentException("--probe: unknown probe '" + probe + "'; valid: linear, mlp");
        }
        try {
            encoder.checkMaxTokens(maxTokens);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-tokens: " + e.getMessage(), e);
        }
        PromptFitter.Mode mode = PromptFitter.Mode.parse(truncate);
        Elicit.Norm norm = Elicit.Norm.parse(normalize);
        Task t = Tasks.load(task, data);
        List<ContrastTemplate> templates = ContrastTemplate.parse(template, labels, t.name());
        Ccs.Config ccs = new Ccs.Config(epochs, lr, weightDecay, restarts, varNormalize, seed, probe.equals("mlp"));
        SplitConfig sizes = new SplitConfig(seed, nTrain != null ? nTrain : SplitSize.upTo(400),
                nTest != null ? nTest : SplitSize.upTo(200), balance, false, 0);
        Config config = new Config(t.name(), data == null ? null : data.toString(), model, layers, methods, templates,
                sizes, ccs, probe, signPoints, pooling, maxTokens,
                mode.name().toLowerCase(java.util.Locale.ROOT), norm.id(), logregBalanced);
        Elicit.Settings settings = new Elicit.Settings(model, pooling, maxTokens, templates, ccs, signPoints, norm,
                logregBalanced);

        Split split = Split.of(t, config.split());
        // The unsupervised methods need no A/B distinction: both halves are their (unlabeled) training examples.
        List<Example> train = new ArrayList<>(split.a());
        train.addAll(split.b());
        PromptFitter.Fitted trainPrompts;
        PromptFitter.Fitted testPrompts;
        List<Elicit.Row> rows = new ArrayList<>();
        Path root = cache != null ? cache : Places.cacheRoot();
        int[] layerArray = layers.stream().mapToInt(Integer::intValue).toArray();
        try (PromptFitter.Counter counter = PromptFitter.Counter.of(model);
             FeatureCache features = new FeatureCache(root.resolve("features"))) {
            trainPrompts = PromptFitter.fit(templates, train, counter, maxTokens, mode, "training");
            testPrompts = PromptFitter.fit(templates, split.test(), counter, maxTokens, mode, "test");
            List<List<Elicit.Pairs>> trainX = Elicit.features(features, settings, layerArray, trainPrompts, true);
            List<List<Elicit.Pairs>> testX = Elicit.features(features, settings, layerArray, testPrompts, true);
            int[] trainLabels = Metrics.labels(trainPrompts.examples());
            int[] testLabels = Metrics.labels(testPrompts.examples());
            // CCS's restarts take most of the time: a bar over the layers says how far it got.
            try (Progress progress = new Progress("elicit " + String.join(", ", methods), layerArray.length,
                    "layers")) {
                for (int k = 0; k < layerArray.length; k++) {
                    rows.addAll(Elicit.evaluate(layerArray[k], trainX.get(k), trainLabels, testX.get(k), testLabels,
                            settings, methods));
                    progress.advance(1);
                }
            }
            if (zeroShot) {
                double[][] p = ZeroShot.predict(features, model, maxTokens, encoder.layers(), testPrompts, counter, true);
                rows.addAll(ZeroShot.rows(encoder.layers(), p, templates, testLabels));
            }
        }
        String headline = templates.size() > 1 ? Elicit.ENSEMBLE : templates.get(0).name();
        Table table = new Table("layer", "method", "accuracy", "auroc", "ece", "brier", "ccs loss", "sign");
        for (Elicit.Row r : rows) {
            if (!r.template().equals(headline)) continue;
            table.row(r.layer(), r.method(), r.accuracy(), r.auroc(), r.ece(), r.brier(), r.ccsLoss(), r.sign());
        }
        Path dir = out != null ? out : Path.of("runs", "elicit_" + t.name() + "_" + model.replaceAll("[^A-Za-z0-9._-]",
                "_") + "_seed" + seed);
        PromptCounts trainCounts = PromptCounts.of(train.size(), trainPrompts);
        PromptCounts testCounts = PromptCounts.of(split.test().size(), testPrompts);
        Json.writeAtomically(dir.resolve("elicit.json"), new Result(config, trainPrompts.examples().size(),
                testPrompts.examples().size(), trainCounts, testCounts, rows));
        System.out.printf("%s, %s, %s pooling, layer(s) %s, test pairs normalised by %s statistics%n", t.name(), model,
                pooling, layers.size() > 1 ? layers.get(0) + ".." + layers.get(layers.size() - 1) : layers.get(0),
                norm.id());
        System.out.printf("prompts (max %d tokens, %s): train %s; test %s%n", maxTokens, config.truncate(),
                trainPrompts.summary(), testPrompts.summary());
        for (ContrastTemplate ct : templates) System.out.printf("  template %s: %s%n", ct.name(), ct.description());
        System.out.println(templates.size() > 1 ? "prompt ensemble (P(true) averaged over the templates):"
                : "template " + headline + ":");
        System.out.print(table);
        if (templates.size() > 1) {
            List<String> header = new ArrayList<>(List.of("layer", "method"));
            templates.forEach(ct -> header.add(ct.name()));
            Table per = new Table(header.toArray(String[]::new));
            Map<String, Map<String, Double>> acc = new LinkedHashMap<>();
            for (Elicit.Row r : rows) {
                acc.computeIfAbsent(r.layer() + "\n" + r.method(), k -> new LinkedHashMap<>())
                        .put(r.template(), r.accuracy());
            }
            acc.forEach((key, byTemplate) -> {
                List<Object> cells = new ArrayList<>(List.of((Object[]) key.split("\n")));
                templates.forEach(ct -> cells.add(byTemplate.get(ct.name())));
                per.row(cells.toArray());
            });
            System.out.println("accuracy per template (same direction, same sign):");
            System.out.print(per);
        }
        System.out.println("wrote " + dir.resolve("elicit.json"));
        return 0;
    }
}
