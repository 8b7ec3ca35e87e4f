package w2s.experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import w2s.base.Progress;
import w2s.data.Example;
import w2s.data.FeatureFiles;
import w2s.data.Item;
import w2s.data.ItemSplit;
import w2s.data.ItemTask;
import w2s.encode.FeatureCache;
import w2s.finetune.FineTuneChooser;
import w2s.finetune.FineTuneClassifier;
import w2s.metrics.Bootstrap;
import w2s.metrics.Flags;
import w2s.metrics.ItemMetrics;
import w2s.metrics.Metrics;
import w2s.train.ChoiceProbe;
import w2s.train.Classifier;
import w2s.train.Loss;
import w2s.train.Losses;
import w2s.train.Probe;
import w2s.train.TrainConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;
import w2s.zoo.Training;

/**
 * The weak-to-strong experiment for the paper's other settings ({@link ItemTask}): K classes of one text, choices
 * between an item's candidates, and K classes of feature vectors. The stages are those of {@link Experiment}: the
 * weak model trained on A with ground truth (or, on a feature task with {@code --weak-labels}, a pretrained classifier
 * whose predictions are given), its soft predictions on B as K-vectors (or distributions over candidates), the
 * student trained on B with them (seed + 1), the ceiling trained with ground truth on A or B (the run's seed), then
 * the metrics of {@link ItemMetrics} on the test set. Models are probes on frozen features (and bag of words for K
 * classes of text), or fine-tuned backbones (full or LoRA) on text tasks: a {@code Linear(hidden, K)} head for K
 * classes, and for choices one scalar head shared by the candidates ({@link FineTuneChooser}). Bootstrapping chains,
 * strong-to-strong rounds, label repair, early stopping, calibration and dropping long texts are binary-task settings
 * and are refused here.
 */
final class ItemExperiment {
    private final FeatureCache features;

    ItemExperiment(FeatureCache features) {
        this.features = features;
    }

    /** The settings this pipeline does not run, refused before anything trains. */
    static void check(ExperimentConfig c, ItemTask task) {
        String kind = task.kind().id() + " task " + task.name();
        List<String> refused = new ArrayList<>();
        if (c.repair() != null) refused.add("--repair/--filter");
        if (!c.via().isEmpty()) refused.add("--chain");
        if (c.s2s() > 0) refused.add("--s2s");
        if (c.earlyStop() != null) refused.add("--early-stop");
        if (c.calibrate() > 0) refused.add("--calibrate");
        if (c.longTexts() != null) refused.add("--long-texts drop");
        if (c.ceiling() != null) refused.add("--ceiling-lora-*/--ceiling-device");
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", refused) + " appl" + (refused.size() == 1 ? "ies" : "y")
                    + " to binary tasks only, not to the " + kind);
        }
        for (ModelConfig m : List.of(c.weak(), c.strong())) {
            if (m.mode() == Training.FINETUNE && task.kind() == ItemTask.Kind.FEATURES) {
                throw new IllegalArgumentException("fine-tuning (" + m.describe() + ") trains a backbone on texts; the "
                        + kind + " has feature vectors, which probes read (--mode probe)");
            }
            if (m.mode() == Training.CCS) {
                throw new IllegalArgumentException(m.name() + " (CCS) answers yes/no questions; it cannot supervise the " + kind);
            }
        }
        boolean pretrainedWeak = task.kind() == ItemTask.Kind.FEATURES && c.weakLabels() != null;
        if (task.kind() == ItemTask.Kind.FEATURES) {
            for (ModelConfig m : pretrainedWeak ? List.of(c.strong()) : List.of(c.weak(), c.strong())) {
                if (!c.features().containsKey(m.name())) {
                    throw new IllegalArgumentException("model " + m.name() + " has no feature file: --features names "
                            + String.join(", ", c.features().keySet()) + (pretrainedWeak ? ""
                            : " (or give the weak model's predictions with --weak-labels FILE)"));
                }
            }
        } else {
            if (c.weakLabels() != null) {
                throw new IllegalArgumentException("--weak-labels on a " + kind + ": a pretrained weak classifier's "
                        + "K-vectors are read for feature tasks (--features); for text tasks the weak model is trained");
            }
            if (task.choice() && c.weak().mode() == Training.SCRATCH) {
                throw new IllegalArgumentException("bow cannot score the candidates of the " + kind + ": choose a "
                        + "pretrained weak model (--weak minilm-l6, ...), or train the pairs as binary documents "
                        + "(--pairs binary, the openai code's binarised reading)");
            }
        }
        Loss loss = Losses.get(c.loss());
        if (!loss.multiClass() && !(task.k() == 2 || task.pairs())) {
            throw new IllegalArgumentException("loss " + loss.name() + " is defined for two classes only (EleutherAI's "
                    + "w2s); the " + kind + " has " + (task.choice() ? "more than two candidates per item" : "K = "
                    + task.k() + " classes"));
        }
    }

    /** Each model's predictions of items, once trained. */
    private interface Fitted {
        double[][] predict(List<Item> items);

        /** What was trained and how, where the model reports it (fine-tuned models); null otherwise. */
        default Classifier.Footprint footprint() {
            return null;
        }
    }

    /**
     * A, B and test. A pretrained weak supervisor (a feature task's --weak-labels) trains nothing on A, so when the
     * ceiling trains on B too, every training item goes to B: the student and the ceiling learn from the same items,
     * all of them, as in the reference's vision experiment. Otherwise A and B are halves.
     */
    static ItemSplit split(ExperimentConfig config, ItemTask task) {
        boolean pretrained = task.kind() == ItemTask.Kind.FEATURES && config.weakLabels() != null;
        return pretrained && config.ceilingOn().equals("B") ? ItemSplit.allInB(task, config.split())
                : ItemSplit.of(task, config.split());
    }

    /** Runs the experiment. */
    Experiment.Outcome run(ExperimentConfig config, ItemTask task) {
        check(config, task);
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        ItemSplit split = split(config, task);
        int[] testLabels = labels(split.test());
        Map<String, float[][]> featureRows = new HashMap<>();
        seconds.put("load", elapsed(t0));

        // 1. The weak supervisor: trained on A with ground truth, or a pretrained classifier's given predictions.
        long t1 = System.nanoTime();
        boolean pretrained = task.kind() == ItemTask.Kind.FEATURES && config.weakLabels() != null;
        List<RunResult.LossCurve> trainingLosses = new ArrayList<>();
        double[][] weakB;
        double[][] weakTest;
        Classifier.Footprint weakFootprint = null;
        if (pretrained) {
            weakB = ItemWeakLabels.read(Path.of(config.weakLabels()), split.b(), task.k());
            weakTest = ItemWeakLabels.read(Path.of(config.weakLabels()), split.test(), task.k());
        } else {
            List<Double> losses = new ArrayList<>();
            Fitted weak = Progress.role("weak", () -> fit(task, config, config.weak(), split.a(), oneHot(task, split.a()),
                    Losses.get("xent"), config.seed(), losses, featureRows));
            weakB = weak.predict(split.b());
            weakTest = weak.predict(split.test());
            weakFootprint = weak.footprint();
            trainingLosses.add(new RunResult.LossCurve("weak", config.weak().train().totalSteps(split.a().size()), losses));
        }
        seconds.put("weak", elapsed(t1));

        // 2. The student, on B with the weak model's soft predictions.
        long t2 = System.nanoTime();
        List<Double> studentLosses = new ArrayList<>();
        Fitted student = Progress.role("student", () -> fit(task, config, config.strong(), split.b(), weakB,
                Losses.get(config.loss()), config.seed() + 1, studentLosses, featureRows));
        double[][] w2sTest = student.predict(split.test());
        trainingLosses.add(new RunResult.LossCurve("student", config.strong().train().totalSteps(split.b().size()),
                studentLosses));
        seconds.put("student", elapsed(t2));

        // 3. The ceiling: the strong model with ground truth, on A (default) or B, with the run's seed.
        long t3 = System.nanoTime();
        List<Item> ceilingTrain = config.ceilingOn().equals("A") ? split.a() : split.b();
        List<Double> ceilingLosses = new ArrayList<>();
        Fitted ceiling = Progress.role("ceiling", () -> fit(task, config, config.strong(), ceilingTrain,
                oneHot(task, ceilingTrain), Losses.get("xent"), config.seed(), ceilingLosses, featureRows));
        double[][] ceilingTest = ceiling.predict(split.test());
        trainingLosses.add(new RunResult.LossCurve("ceiling", config.strong().train().totalSteps(ceilingTrain.size()),
                ceilingLosses));
        seconds.put("ceiling", elapsed(t3));

        // 4. Metrics.
        boolean choice = task.choice();
        double weakAcc = ItemMetrics.accuracy(weakTest, testLabels);
        double w2sAcc = ItemMetrics.accuracy(w2sTest, testLabels);
        double ceilingAcc = ItemMetrics.accuracy(ceilingTest, testLabels);
        double weakAuroc = choice ? Double.NaN : ItemMetrics.macroAuroc(weakTest, testLabels);
        double w2sAuroc = choice ? Double.NaN : ItemMetrics.macroAuroc(w2sTest, testLabels);
        double ceilingAuroc = choice ? Double.NaN : ItemMetrics.macroAuroc(ceilingTest, testLabels);
        Bootstrap.Intervals ci = Bootstrap.pairedItems(weakTest, w2sTest, ceilingTest, testLabels, choice, config.seed());
        boolean resampledAuroc = !choice && task.k() <= ItemMetrics.MAX_RESAMPLED_AUROC_CLASSES;
        Metrics.Agreement agreement = ItemMetrics.agreement(w2sTest, weakTest, testLabels);
        List<String> flags = Flags.ofItems(weakB, weakTest, w2sTest, ceilingTest, testLabels, choice, ci,
                resampledAuroc);
        boolean pairs = task.pairs();
        int k = task.k();
        Map<String, int[][]> confusion = null;
        if (!choice && k <= ItemMetrics.MAX_CONFUSION_CLASSES) {
            confusion = new TreeMap<>(Map.of("weak", ItemMetrics.confusion(weakTest, testLabels, k),
                    "w2s", ItemMetrics.confusion(w2sTest, testLabels, k),
                    "ceiling", ItemMetrics.confusion(ceilingTest, testLabels, k)));
        }
        boolean top5 = !choice && k >= 10;
        List<Integer> candidates = null;
        if (choice) {
            int lo = Integer.MAX_VALUE;
            int hi = 0;
            for (Item i : task.train()) {
                lo = Math.min(lo, i.texts().size());
                hi = Math.max(hi, i.texts().size());
            }
            for (Item i : task.test()) {
                lo = Math.min(lo, i.texts().size());
                hi = Math.max(hi, i.texts().size());
            }
            candidates = List.of(lo, hi);
        }
        RunResult.ItemResult items = new RunResult.ItemResult(task.kind().id(), k,
                !choice && k <= ItemMetrics.MAX_CONFUSION_CLASSES ? task.classes() : null, candidates,
                top5 ? ItemMetrics.topK(weakTest, testLabels, 5) : null,
                top5 ? ItemMetrics.topK(w2sTest, testLabels, 5) : null,
                top5 ? ItemMetrics.topK(ceilingTest, testLabels, 5) : null, confusion, pretrained);
        Map<String, Classifier.Footprint> footprints = new TreeMap<>();
        footprints.put("weak", pretrained ? new Classifier.Footprint(null, null, null, null)
                : weakFootprint != null ? weakFootprint : Models.footprint(config.weak()));
        footprints.put("w2s", student.footprint() != null ? student.footprint() : Models.footprint(config.strong()));
        footprints.put("ceiling", ceiling.footprint() != null ? ceiling.footprint()
                : Models.footprint(config.strong()));
        seconds.put("total", elapsed(t0));
        Metrics.Reliability weakRel = ItemMetrics.reliability(weakTest, testLabels, 10);
        Metrics.Reliability w2sRel = ItemMetrics.reliability(w2sTest, testLabels, 10);
        Metrics.Reliability ceilingRel = ItemMetrics.reliability(ceilingTest, testLabels, 10);
        Bootstrap.Interval none = null;
        RunResult result = new RunResult(
                weakAcc, w2sAcc, ceilingAcc, Metrics.pgr(weakAcc, w2sAcc, ceilingAcc),
                weakAuroc, w2sAuroc, ceilingAuroc, Metrics.pgr(weakAuroc, w2sAuroc, ceilingAuroc),
                ci.weakAccuracy(), ci.w2sAccuracy(), ci.ceilingAccuracy(), ci.pgr(),
                resampledAuroc ? ci.weakAuroc() : none, resampledAuroc ? ci.w2sAuroc() : none,
                resampledAuroc ? ci.ceilingAuroc() : none, resampledAuroc ? ci.pgrAuroc() : none, ci.gap(), flags,
                weakRel.ece(), w2sRel.ece(), ceilingRel.ece(),
                ItemMetrics.brier(weakTest, testLabels), ItemMetrics.brier(w2sTest, testLabels),
                ItemMetrics.brier(ceilingTest, testLabels),
                agreement.all(), agreement.supervisorCorrect(), agreement.supervisorWrong(),
                ItemMetrics.accuracy(weakB, labels(split.b())),
                pairs ? weakAcc : null, pairs ? w2sAcc : null, pairs ? ceilingAcc : null,
                split.a().size(), split.b().size(), split.test().size(), null, null,
                new TreeMap<>(Map.of("weak", weakRel, "w2s", w2sRel, "ceiling", ceilingRel)),
                List.of(), List.of(), null, null,
                List.of(new RunResult.Step("student", config.strong().describe(), w2sAcc, null,
                        config.strong().train().totalSteps(split.b().size()))),
                seconds, footprints, config,
                new RunResult.TaskInfo(task.name(), task.train().size(), task.test().size(), task.provenance()),
                Experiment.environment(), 0, null, null, null, trainingLosses,
                pretrained ? "ground truth on " + config.ceilingOn() + " with the run's seed; the weak supervisor is a "
                        + "pretrained classifier whose predictions were given (--weak-labels)"
                        : Experiment.ceilingTraining(config),
                items);
        Predictions predictions = new Predictions(ids(split.test()), testLabels, rightAnswer(weakTest, testLabels),
                rightAnswer(w2sTest, testLabels), rightAnswer(ceilingTest, testLabels), ids(split.b()),
                labels(split.b()), rightAnswer(weakB, labels(split.b())),
                new Predictions.Items(predicted(weakTest), predicted(w2sTest), predicted(ceilingTest),
                        credits(weakTest, testLabels), credits(w2sTest, testLabels), credits(ceilingTest, testLabels)));
        return new Experiment.Outcome(result, null, weakB, predictions, split);
    }

    /** Trains one model of the run on items with soft labels (K-vectors, or distributions over candidates). */
    private Fitted fit(ItemTask task, ExperimentConfig config, ModelConfig model, List<Item> train, double[][] labels,
                       Loss loss, long seed, List<Double> losses, Map<String, float[][]> featureRows) {
        TrainConfig t = model.train().withSeed(seed);
        if (task.choice() && model.mode() == Training.FINETUNE) {
            FineTuneChooser chooser = ((FineTuneClassifier) Models.classifier(model, features, task.name())).choices();
            FineTuneChooser.Model trained = chooser.fit(texts(train), labels, loss, t, (step, total, l) -> losses.add(l));
            return new Fitted() {
                public double[][] predict(List<Item> items) {
                    return trained.predict(texts(items));
                }

                public Classifier.Footprint footprint() {
                    return trained.footprint();
                }
            };
        }
        if (task.choice()) {
            ChoiceProbe probe = new ChoiceProbe(model.name(), Models.textFeatures(model, features), model.head());
            ChoiceProbe.Trained trained = probe.fit(texts(train), labels, loss, t, (step, total, l) -> losses.add(l));
            return items -> trained.predict(texts(items));
        }
        Classifier classifier;
        Function<Item, Example> asExample;
        if (task.kind() == ItemTask.Kind.FEATURES) {
            Map<String, float[]> byId = vectors(task, config, model.name(), featureRows);
            classifier = new Probe(model.name(), ids -> ids.stream().map(byId::get).toArray(float[][]::new),
                    model.head() != null ? model.head() : "linear");
            // A feature item has no text: its id is what the probe looks its vector up by.
            asExample = i -> new Example(i.id(), i.id(), 0);
        } else {
            classifier = Models.classifier(model, features, task.name());
            // The classifiers read texts only; the class comes with the K-column labels (Example holds binary labels).
            asExample = i -> new Example(i.id(), i.texts().get(0), 0);
        }
        Classifier.Monitor monitor = new Classifier.Monitor() {
            public void atStep(int step, int totalSteps, Classifier.Trained m) {}

            public void loss(int step, int totalSteps, double l) {
                losses.add(l);
            }
        };
        Classifier.Trained trained = classifier.fit(train.stream().map(asExample).toList(), labels, loss, t, monitor);
        boolean tuned = model.mode() == Training.FINETUNE;
        return new Fitted() {
            public double[][] predict(List<Item> items) {
                return trained.predict(items.stream().map(asExample).toList());
            }

            public Classifier.Footprint footprint() {
                return tuned ? trained.footprint() : null;
            }
        };
    }

    /** A model's vectors by id, read once per run from its feature file. */
    private static Map<String, float[]> vectors(ItemTask task, ExperimentConfig config, String model,
                                                Map<String, float[][]> cache) {
        List<String> ids = new ArrayList<>();
        for (Item i : task.train()) ids.add(i.id());
        for (Item i : task.test()) ids.add(i.id());
        float[][] rows = cache.computeIfAbsent(model, m -> FeatureFiles.read(Path.of(config.features().get(m)), ids));
        Map<String, float[]> byId = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) byId.put(ids.get(i), rows[i]);
        return byId;
    }

    /**
     * Ground truth as one-hot rows, one shared row per (width, label): labels are read, never written, and a row per
     * item would make 40,000 ImageNet labels 320 MB of doubles, as much as the features they label.
     */
    static double[][] oneHot(ItemTask task, List<Item> items) {
        Map<List<Integer>, double[]> shared = new HashMap<>();
        double[][] y = new double[items.size()][];
        for (int i = 0; i < y.length; i++) {
            Item item = items.get(i);
            int width = task.choice() ? item.texts().size() : task.k();
            y[i] = shared.computeIfAbsent(List.of(width, item.label()), key -> {
                double[] row = new double[width];
                row[item.label()] = 1;
                return row;
            });
        }
        return y;
    }

    private static List<List<String>> texts(List<Item> items) {
        return items.stream().map(Item::texts).toList();
    }

    private static int[] labels(List<Item> items) {
        return items.stream().mapToInt(Item::label).toArray();
    }

    private static List<String> ids(List<Item> items) {
        return items.stream().map(Item::id).toList();
    }

    private static double[] rightAnswer(double[][] probs, int[] labels) {
        double[] p = new double[labels.length];
        for (int i = 0; i < p.length; i++) p[i] = probs[i][labels[i]];
        return p;
    }

    private static int[] predicted(double[][] probs) {
        int[] c = new int[probs.length];
        for (int i = 0; i < c.length; i++) c[i] = ItemMetrics.predicted(probs[i]);
        return c;
    }

    private static double[] credits(double[][] probs, int[] labels) {
        double[] c = new double[labels.length];
        for (int i = 0; i < c.length; i++) c[i] = ItemMetrics.credit(probs[i], labels[i]);
        return c;
    }

    private static double elapsed(long start) {
        return Math.round((System.nanoTime() - start) / 1e6) / 1e3;
    }
}
