package w2s.experiment;

import static w2s.metrics.Metrics.positive;
import static w2s.metrics.Metrics.twoWay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import w2s.base.Progress;
import java.nio.file.Files;
import java.util.Optional;

import w2s.data.Example;
import w2s.data.GenerativeTask;
import w2s.data.ItemTask;
import w2s.data.ItemTasks;
import w2s.data.PreferencePair;
import w2s.data.Split;
import w2s.data.Task;
import w2s.elicit.Calibration;
import w2s.elicit.LabelRepair;
import w2s.elicit.RepairReport;
import w2s.encode.FeatureCache;
import w2s.encode.FeatureSource;
import w2s.encode.FeatureSpec;
import w2s.metrics.Bootstrap;
import w2s.metrics.Flags;
import w2s.metrics.Metrics;
import w2s.train.Classifier;
import w2s.train.Loss;
import w2s.train.Losses;
import w2s.train.TrainConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/**
 * The weak-to-strong experiment, data flowing one way: task → split → weak model (trained on A with ground truth)
 * → weak labels on B → student (strong model trained on B with the weak labels) and ceiling (strong model trained
 * with ground truth) → metrics on the test set.
 *
 * <p>The weak supervisor's outputs and the ceiling's test predictions are cached under the hash of everything that
 * produced them, so experiments that share a weak model or a ceiling train it once. A runner may serve several threads.
 */
public final class Experiment implements AutoCloseable {
    private final FeatureCache features;
    private final StageCache stages;
    // Tasks are read once per runner: a sweep's cells share them, and parsing the grammar task takes a while.
    private final Map<List<String>, Task> tasks = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<List<String>, LongTexts.Result> droppedTasks = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> said = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** An experiment runner whose caches live under cacheRoot: features/ and stages/. */
    public Experiment(Path cacheRoot) {
        this.features = new FeatureCache(cacheRoot.resolve("features"));
        this.stages = new StageCache(cacheRoot);
    }

    @Override
    public void close() {
        features.close();
    }

    /**
     * What the experiment learns about a model trained with ground truth, whatever role it plays (the weak supervisor,
     * trained on A; the ceiling, on A or B): its predictions on B (the weak labels, when it trained on A), on the test
     * set, on the test pairs and on the validation split (null without early stopping), its test accuracy curve, the
     * step early stopping kept, and its training loss per step (null for a CCS supervisor, which takes no steps).
     */
    record GroundTruth(double[] labelsB, double[] test, double[] pairsChosen, double[] pairsRejected, double[] val,
                       List<RunResult.CurvePoint> curve, Integer stoppedAt, Classifier.Footprint footprint,
                       List<Double> losses) {}

    /**
     * The ingredients of a run, public so that callers (the CLI, sweeps) can write the weak labels and the per-example
     * predictions beside the result. predictions may be null (an outcome made without them).
     */
    public record Outcome(RunResult result, Split split, double[][] weakLabels, Predictions predictions,
                          w2s.data.ItemSplit items, GenerativeAnswers answers) {
        public Outcome(RunResult result, Split split, double[][] weakLabels, Predictions predictions,
                       w2s.data.ItemSplit items) {
            this(result, split, weakLabels, predictions, items, null);
        }

        public Outcome(RunResult result, Split split, double[][] weakLabels, Predictions predictions) {
            this(result, split, weakLabels, predictions, null);
        }

        public Outcome(RunResult result, Split split, double[][] weakLabels) {
            this(result, split, weakLabels, null);
        }
    }

    /**
     * The result of a run, cached whole under {@link #cellKey}: a sweep asks for it, and a rerun of a finished cell
     * reads it back instead of training the student again.
     */
    public RunResult result(ExperimentConfig config) {
        String key = StageCache.key(List.of("result", RESULT_VERSION, cellKey(config)));
        return stages.computeIfAbsent(key, RunResult.class, () -> {
            Outcome outcome = run(config);
            stages.put(predictionsKey(config), outcome.predictions());
            return outcome.result();
        });
    }

    /**
     * The per-example predictions of a run {@link #result} computed, cached beside its result; null when the result
     * was cached before predictions were (nothing is recomputed for them).
     */
    public Predictions predictions(ExperimentConfig config) {
        return stages.get(predictionsKey(config), Predictions.class, Predictions::problem).orElse(null);
    }

    private String predictionsKey(ExperimentConfig config) {
        return StageCache.key(List.of("predictions", RESULT_VERSION, cellKey(config)));
    }

    /**
     * Bump when a result gains fields or a metric changes: cached results from before are then computed again (from
     * the cached weak model and ceiling), while the cell key, which a results store holds, stays the same.
     */
    private static final int RESULT_VERSION = 5; // 5: ceilings train with the run's seed, one stage with the weak model; new flags

    /** The identity of a run: its configuration and the hash of its data. */
    public String cellKey(ExperimentConfig config) {
        GenerativeTask generative = generativeTask(config);
        if (generative != null) return cellKey(config, generative.provenance().sha256());
        ItemTask items = itemTask(config);
        return cellKey(config, items != null ? items.provenance().sha256() : task(config).provenance().sha256());
    }

    /**
     * The task of the paper's other settings that the configuration names (K classes, choices, feature vectors), or
     * null for a binary task: a preference-pair task with kind "choice", a feature task (labels and --features), or a
     * task file whose rows are K classes or multiple choice. Read once per runner, as binary tasks are.
     */
    public ItemTask itemTask(ExperimentConfig config) {
        return itemTasks.computeIfAbsent(Arrays.asList(config.task(), config.data(), config.testFile(), config.kind(),
                config.features() == null ? null : config.features().toString()), k -> {
            Path test = config.testFile() == null ? null : Path.of(config.testFile());
            if (config.features() != null) {
                ItemTask t = ItemTasks.features(Path.of(config.task()), test);
                // The data a run reads is the labels and every feature file: all of them go into its hash.
                StringBuilder hash = new StringBuilder(t.provenance().sha256());
                config.features().forEach((name, file) -> hash.append('+').append(name).append('=')
                        .append(fileSha256(Path.of(file))));
                w2s.data.Provenance p = t.provenance();
                Map<String, String> details = new LinkedHashMap<>(p.details());
                details.put("features", config.features().toString());
                return Optional.of(new ItemTask(t.name(), t.kind(), t.classes(), t.train(), t.test(),
                        new w2s.data.Provenance(p.source(), p.location(), p.license(), StageCache.key(
                                List.of("feature-task", hash.toString())), details)));
            }
            if (ExperimentConfig.CHOICE.equals(config.kind())) return Optional.of(ItemTasks.choices(task(config)));
            if (config.data() == null && !w2s.data.HubTask.isSpec(config.task()) && Files.isRegularFile(Path.of(config.task()))
                    && w2s.data.Rows.isDataFile(Path.of(config.task()))) {
                return Optional.ofNullable(ItemTasks.load(Path.of(config.task()), test));
            }
            return Optional.<ItemTask>empty();
        }).orElse(null);
    }

    /** The generative task the configuration names (its rows prompts and answers), or null; read once per runner. */
    public GenerativeTask generativeTask(ExperimentConfig config) {
        if (config.generation() == null) return null;
        return generativeTasks.computeIfAbsent(Arrays.asList(config.task(), config.testFile()), k -> {
            GenerativeTask t = GenerativeTask.load(Path.of(config.task()),
                    config.testFile() == null ? null : Path.of(config.testFile()));
            if (t == null) throw new w2s.data.DataException(config.task() + ": the rows are not prompts and answers");
            return t;
        });
    }

    private final Map<List<String>, GenerativeTask> generativeTasks = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<List<String>, Optional<ItemTask>> itemTasks = new java.util.concurrent.ConcurrentHashMap<>();

    private static String fileSha256(Path file) {
        try {
            return w2s.base.Sha256.of(file);
        } catch (java.io.IOException e) {
            throw new w2s.data.DataException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** The cell key of a run from its configuration and its data's hash, as its metrics.json records both. */
    public static String cellKey(ExperimentConfig config, String dataSha256) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("stage", "cell");
        key.put("data_sha256", dataSha256);
        key.put("config", config);
        if (config.weakLabels() != null) key.put("weak_labels_sha256", WeakLabelsFile.sha256(Path.of(config.weakLabels())));
        return StageCache.key(key);
    }

    /** The task without its documents longer than the strong model's token limit (see {@link LongTexts}). */
    private LongTexts.Result dropLongTexts(ExperimentConfig config) {
        ModelConfig strong = config.strong();
        if (strong.maxTokens() == null) {
            throw new IllegalArgumentException("--long-texts drop needs a pretrained strong model, whose tokenizer "
                    + "counts tokens; " + strong.name() + " has none");
        }
        return droppedTasks.computeIfAbsent(Arrays.asList(config.task(), config.data(), config.testFile(),
                strong.name(), String.valueOf(strong.maxTokens())),
                k -> LongTexts.drop(task(config), strong.name(), strong.maxTokens()));
    }

    /**
     * The split a run of the configuration trains on, from the task as the run reads it (without long texts, if it
     * drops them); sizes the task cannot meet are a {@link w2s.data.DataException} here, before anything trains.
     */
    public Split split(ExperimentConfig config) {
        GenerativeTask generative = generativeTask(config);
        if (generative != null) {
            GenerativeExperiment.check(config, generative);
            generative.split(config.split());
            return null;
        }
        ItemTask items = itemTask(config);
        if (items != null) {
            ItemExperiment.check(config, items);
            ItemExperiment.split(config, items);
            return null;
        }
        return Split.of(config.longTexts() != null ? dropLongTexts(config).task() : task(config), config.split());
    }

    private Task task(ExperimentConfig config) {
        return tasks.computeIfAbsent(Arrays.asList(config.task(), config.data(), config.testFile()),
                k -> config.loadTask());
    }

    public Outcome run(ExperimentConfig config) {
        GenerativeTask generative = generativeTask(config);
        if (generative != null) return new GenerativeExperiment().run(config, generative);
        ItemTask items = itemTask(config);
        if (items != null) return new ItemExperiment(features).run(config, items);
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        LongTexts.Result shortened = config.longTexts() != null ? dropLongTexts(config) : null;
        Task task = shortened != null ? shortened.task() : task(config);
        LongTexts.Dropped dropped = shortened != null ? shortened.dropped() : null;
        if (shortened != null) {
            if (dropped.train() + dropped.test() > 0) {
                String note = "--long-texts drop: dropped " + dropped.train() + " training and " + dropped.test()
                        + " test documents of " + task.name() + " longer than " + config.strong().maxTokens()
                        + " tokens of " + config.strong().name();
                if (said.add(note)) System.err.println("w2s: " + note);
            }
        }
        Split split = Split.of(task, config.split());
        List<PreferencePair> testPairs = task.pairsOf(split.test());
        List<Example> pairsChosen = chosen(testPairs);
        List<Example> pairsRejected = rejected(testPairs);
        int[] testLabels = Metrics.labels(split.test());
        seconds.put("load", elapsed(t0));

        // With a validation split, early stopping applies to every model: the weak model and the ceiling score on it
        // against ground truth, each student against its supervisor's predictions there.
        ExperimentConfig.EarlyStop stopAll = split.val().isEmpty() ? null : config.earlyStop();
        int[] valTruth = Metrics.labels(split.val());

        // 1. The weak supervisor, trained on A with ground truth; its soft predictions on B are the weak labels.
        long t1 = System.nanoTime();
        GroundTruth weak = groundTruth(task, config, split, "A", config.weak(), stopAll, valTruth, pairsChosen,
                pairsRejected, testLabels, "weak");
        // Labels produced elsewhere replace the weak model's on B (the weak model still scores the test set).
        double[] labelsB = config.weakLabels() == null ? weak.labelsB()
                : WeakLabelsFile.read(Path.of(config.weakLabels()), task, split.b());
        double[][] weakLabels = twoWay(labelsB);
        double[][] weakTest = twoWay(weak.test());
        seconds.put("weak", elapsed(t1));

        // 1b. Optionally, repair the weak labels with a probe on the strong model's own activations of B.
        // Filtering shrinks the transfer set the students learn from; the test set and A are unchanged.
        Split transfer = split;
        double[][] studentLabels = weakLabels;
        RepairReport repairReport = null;
        RepairReport.Filtered filterReport = null;
        if (config.repair() != null) {
            long tr = System.nanoTime();
            ExperimentConfig.Repair repair = config.repair();
            // The strong model's own middle-layer activations, pooled as the model summarises a text.
            FeatureSource strong = FeatureSource.of(config.strong().name());
            float[][] activations = features.features(new FeatureSpec(strong.name(), "middle",
                    strong.causal() ? "last" : "mean", Math.min(strong.maxPositions(),
                    config.strong().maxTokens() != null ? config.strong().maxTokens() : 256)),
                    split.b().stream().map(Example::text).toList(), true);
            int[] truthB = Metrics.labels(split.b());
            if (repair.filter() > 0) {
                int[] keep = LabelRepair.filter(repair.probe(), repair.filter(), activations, weakLabels, config.seed());
                filterReport = RepairReport.Filtered.of(weakLabels, keep, truthB);
                Labelled kept = new Labelled(split.b(), weakLabels).subset(keep);
                transfer = split.withB(kept.docs());
                studentLabels = kept.labels();
            } else {
                studentLabels = LabelRepair.repair(repair.probe(), activations, weakLabels, config.seed());
                repairReport = RepairReport.of(weakLabels, studentLabels, truthB);
            }
            seconds.put("repair", elapsed(tr));
        }

        // 1c. Optionally, hold out a slice of B, with its weak labels, to fit the student's temperature on.
        Labelled calibration = new Labelled(List.of(), new double[0][]);
        if (config.calibrate() > 0) {
            Labelled[] parts = new Labelled(transfer.b(), studentLabels).holdOut(config.calibrate(), config.seed() + 5);
            transfer = transfer.withB(parts[0].docs());
            studentLabels = parts[0].labels();
            calibration = parts[1];
        }

        // 2. The students, each trained on B with the previous one's soft labels: bootstrapping's intermediate
        // models, the strong student, then strong-to-strong rounds in which the student relabels B for a fresh copy.
        long t2 = System.nanoTime();
        Loss loss = Losses.get(config.loss());
        List<RunResult.Step> steps = new ArrayList<>();
        List<RunResult.LossCurve> trainingLosses = new ArrayList<>();
        if (weak.losses() != null) {
            trainingLosses.add(new RunResult.LossCurve("weak", config.weak().train().totalSteps(split.a().size()),
                    weak.losses()));
        }
        List<RunResult.CurvePoint> w2sCurve = new ArrayList<>();
        double[][] labels = studentLabels;
        // Each student's validation labels are its supervisor's predictions on the validation split.
        Labelled validation = stopAll != null ? new Labelled(split.val(), twoWay(weak.val())) : null;
        Fitted student = null;
        // One classifier per model config, so a model's features are read once per run however often it trains.
        Map<ModelConfig, Classifier> classifiers = new HashMap<>();
        List<ModelConfig> students = new ArrayList<>(config.via());
        for (int i = 0; i <= config.s2s(); i++) students.add(config.strong());
        for (int i = 0; i < students.size(); i++) {
            ModelConfig model = students.get(i);
            boolean last = i == students.size() - 1;
            // The first strong student keeps seed+1 so plain runs are unchanged; the others get seeds of their own.
            int strongIndex = i - config.via().size();
            long seed = config.seed() + (strongIndex == 0 ? 1 : 3 + i);
            Classifier classifier = classifiers.computeIfAbsent(model, m -> Models.classifier(m, features));
            Split on = transfer;
            double[][] from = labels;
            Labelled held = calibration;
            Labelled val = validation;
            student = Progress.role(strongIndex < 0 ? "intermediate" : strongIndex == 0 ? "student" : "s2s student",
                    () -> fitStudent(model, classifier, on, from, loss, seed, config.earlyStop(), val,
                            last ? w2sCurve : null, testLabels,
                            List.of(pairsChosen, pairsRejected, held.docs())));
            String role = strongIndex < 0 ? "via" : strongIndex == 0 ? "student" : "s2s";
            steps.add(new RunResult.Step(role, model.describe(), Metrics.accuracy(student.test(), testLabels),
                    student.stoppedAt(), student.totalSteps()));
            if (student.losses() != null) {
                trainingLosses.add(new RunResult.LossCurve(RunResult.Step.name(role, strongIndex < 0 ? i + 1
                        : strongIndex), student.totalSteps(), student.losses()));
            }
            labels = student.b();
            if (validation != null) validation = new Labelled(split.val(), student.val());
        }
        double[][] w2sTest = student.test();
        double[][] w2sChosen = student.extra().get(0);
        double[][] w2sRejected = student.extra().get(1);
        // Temperature scaling changes only calibration: accuracy, AUROC and agreement stay on the raw predictions
        // (a temperature fitted to infinity would otherwise turn every prediction into a tie).
        Double temperature = null;
        double[][] w2sCalibrated = w2sTest;
        if (config.calibrate() > 0) {
            temperature = Calibration.fitTemperature(positive(student.extra().get(2)), positive(calibration.labels()));
            w2sCalibrated = twoWay(Calibration.applyTemperature(positive(w2sTest), temperature));
        }
        // The ceiling may train the strong model with compute settings of its own (--ceiling-lora-rank and the like).
        ModelConfig ceilingModel = config.ceilingModel();
        seconds.put("student", elapsed(t2));

        // 3. The ceiling: the strong model trained with ground truth, on A with the run's seed as the openai code does
        // (and as the weak supervisor is): a model with the same settings is then one trained model, and one stage
        // cache entry, whether it supervises one pair or is the ceiling of another, with the same test accuracy.
        long t3 = System.nanoTime();
        List<Example> ceilingTrain = config.ceilingOn().equals("A") ? split.a() : split.b();
        GroundTruth ceiling = groundTruth(task, config, split, config.ceilingOn(), ceilingModel, stopAll, valTruth,
                pairsChosen, pairsRejected, testLabels, "ceiling");
        double[][] ceilingTest = twoWay(ceiling.test());
        if (ceiling.losses() != null) {
            trainingLosses.add(new RunResult.LossCurve("ceiling", ceilingModel.train().totalSteps(ceilingTrain.size()),
                    ceiling.losses()));
        }
        seconds.put("ceiling", elapsed(t3));

        // 4. Metrics.
        double weakAcc = Metrics.accuracy(weakTest, testLabels);
        double w2sAcc = Metrics.accuracy(w2sTest, testLabels);
        double ceilingAcc = Metrics.accuracy(ceilingTest, testLabels);
        Metrics.Agreement agreement = Metrics.agreement(w2sTest, weakTest, testLabels);
        boolean pairs = !testPairs.isEmpty();
        double weakAuroc = Metrics.auroc(weakTest, testLabels);
        double w2sAuroc = Metrics.auroc(w2sTest, testLabels);
        double ceilingAuroc = Metrics.auroc(ceilingTest, testLabels);
        // Seeded with the run's seed, so a rerun reports the same intervals.
        Bootstrap.Intervals ci = Bootstrap.paired(weakTest, w2sTest, ceilingTest, testLabels, config.seed());
        List<String> flags = Flags.of(labelsB, weakTest, w2sTest, ceilingTest, ci);
        seconds.put("total", elapsed(t0));
        RunResult result = new RunResult(
                weakAcc, w2sAcc, ceilingAcc, Metrics.pgr(weakAcc, w2sAcc, ceilingAcc),
                weakAuroc, w2sAuroc, ceilingAuroc, Metrics.pgr(weakAuroc, w2sAuroc, ceilingAuroc),
                ci.weakAccuracy(), ci.w2sAccuracy(), ci.ceilingAccuracy(), ci.pgr(),
                ci.weakAuroc(), ci.w2sAuroc(), ci.ceilingAuroc(), ci.pgrAuroc(), ci.gap(), flags,
                Metrics.ece(weakTest, testLabels, 10), Metrics.ece(w2sCalibrated, testLabels, 10),
                Metrics.ece(ceilingTest, testLabels, 10),
                Metrics.brier(weakTest, testLabels), Metrics.brier(w2sCalibrated, testLabels),
                Metrics.brier(ceilingTest, testLabels),
                agreement.all(), agreement.supervisorCorrect(), agreement.supervisorWrong(),
                Metrics.accuracy(weakLabels, Metrics.labels(split.b())),
                pairs ? Metrics.pairwise(twoWay(weak.pairsChosen()), twoWay(weak.pairsRejected())) : null,
                pairs ? Metrics.pairwise(w2sChosen, w2sRejected) : null,
                pairs ? Metrics.pairwise(twoWay(ceiling.pairsChosen()), twoWay(ceiling.pairsRejected())) : null,
                split.a().size(), split.b().size(), split.test().size(),
                temperature, temperature == null ? null : Metrics.ece(w2sTest, testLabels, 10),
                new java.util.TreeMap<>(Map.of("weak", Metrics.reliability(weakTest, testLabels, 10),
                        "w2s", Metrics.reliability(w2sCalibrated, testLabels, 10),
                        "ceiling", Metrics.reliability(ceilingTest, testLabels, 10))),
                w2sCurve, ceiling.curve(), repairReport, filterReport, steps, seconds,
                footprints(weak.footprint(), config.weak(), student.footprint(), config.strong(), ceiling.footprint(),
                        ceilingModel), config,
                new RunResult.TaskInfo(task.name(), task.train().size(), task.test().size(), task.provenance()),
                environment(), split.val().size(), weak.stoppedAt(), ceiling.stoppedAt(), dropped, trainingLosses,
                ceilingTraining(config));
        Predictions predictions = new Predictions(split.test().stream().map(Example::id).toList(), testLabels,
                weak.test(), positive(w2sTest), ceiling.test(), split.b().stream().map(Example::id).toList(),
                Metrics.labels(split.b()), labelsB);
        return new Outcome(result, split, weakLabels, predictions);
    }

    /**
     * A student's predictions, taken from the model early stopping kept (else the final one): on the test set, on its
     * training documents (the next student's labels), on the extra sets it was asked for, in order, and on the
     * validation split (the next student's validation labels; null without one).
     */
    private record Fitted(double[][] test, double[][] b, List<double[][]> extra, double[][] val, Integer stoppedAt,
                          int totalSteps, Classifier.Footprint footprint, List<Double> losses) {}

    /** What a trained model reports of itself, else what its configuration implies (see {@link Classifier.Footprint}). */
    static Classifier.Footprint footprint(Classifier.Trained model, ModelConfig config) {
        Classifier.Footprint f = model != null ? model.footprint() : null;
        return f != null ? f : Models.footprint(config);
    }

    /**
     * The footprint of each model of the run, "weak", "w2s" and "ceiling"; a stage cached before footprints were
     * recorded reports what its configuration implies.
     */
    private static Map<String, Classifier.Footprint> footprints(Classifier.Footprint weak, ModelConfig weakModel,
                                                                Classifier.Footprint student, ModelConfig strongModel,
                                                                Classifier.Footprint ceiling, ModelConfig ceilingModel) {
        Map<String, Classifier.Footprint> f = new java.util.TreeMap<>();
        f.put("weak", weak != null ? weak : Models.footprint(weakModel));
        f.put("w2s", student != null ? student : Models.footprint(strongModel));
        f.put("ceiling", ceiling != null ? ceiling : Models.footprint(ceilingModel));
        return f;
    }

    /**
     * Trains one student on B with soft labels. With early stopping the student is scored on validation documents
     * labelled by its supervisor (never ground truth): the validation split when there is one, else a seeded slice of
     * B held out with its labels; the predictions of the best-scoring step are kept (taken at that step, because a
     * trained model keeps changing as training goes on).
     */
    private static Fitted fitStudent(ModelConfig model, Classifier classifier, Split split, double[][] labels, Loss loss,
                                     long seed, ExperimentConfig.EarlyStop earlyStop, Labelled validation,
                                     List<RunResult.CurvePoint> curve, int[] testLabels, List<List<Example>> extra) {
        List<Example> b = split.b();
        TrainConfig train = model.train().withSeed(seed);
        List<Double> losses = new ArrayList<>();
        if (earlyStop == null) {
            CurveDocs docs = CurveDocs.of(model, train, b.size(), split.test(), testLabels);
            Classifier.Trained trained = classifier.fit(b, labels, loss,
                    train.withEvalEvery(curve == null ? 0 : train.curveEvery(b.size())),
                    keepingLosses(curve(curve, docs), losses));
            return new Fitted(trained.predict(split.test()), trained.predict(b), extra.stream().map(trained::predict)
                    .toList(), null, null, train.totalSteps(b.size()), footprint(trained, model), orNull(losses));
        }
        List<Example> fit = b;
        double[][] fitLabels = labels;
        Labelled val = validation;
        if (val == null) {
            Labelled[] parts = new Labelled(b, labels).holdOut(earlyStop.fraction(), seed);
            fit = parts[0].docs();
            fitLabels = parts[0].labels();
            val = parts[1];
        }
        int[] valLabels = java.util.Arrays.stream(val.labels()).mapToInt(Metrics::predicted).toArray();
        List<List<Example>> on = new ArrayList<>(List.of(split.test(), b));
        on.addAll(extra);
        on.add(split.val());
        Kept k = fitKeepingBest(classifier, fit, fitLabels, loss, train, earlyStop, val.docs(), valLabels, on, curve,
                CurveDocs.of(model, train, fit.size(), split.test(), testLabels), losses);
        List<double[][]> p = k.predictions();
        return new Fitted(p.get(0), p.get(1), p.subList(2, 2 + extra.size()), validation != null ? p.get(p.size() - 1)
                : null, k.stoppedAt(), k.totalSteps(), Models.footprint(model), orNull(losses));
    }

    /** Predictions of the model early stopping kept, on each set asked for; the step kept (null: the final model). */
    private record Kept(List<double[][]> predictions, Integer stoppedAt, int totalSteps) {}

    /** Thrown by the monitor to end training once patience runs out; the best step's predictions are already kept. */
    private static final class StopTraining extends RuntimeException {
        StopTraining() {
            super("early stopping: patience ran out", null, false, false);
        }
    }

    /**
     * Trains with early stopping: every {@code every} steps (and at the last) the model is scored on the validation
     * documents against their hard labels; the predictions of the best step on {@code predictOn} are kept. With
     * patience, training ends after that many scorings without improvement. A model whose trainer never calls the
     * monitor (CCS) keeps its final state. {@code curve} (may be null) records test accuracy every
     * {@link TrainConfig#curveEvery} steps,
     * {@code losses} every step's training loss, up to the step training ended at.
     */
    private static Kept fitKeepingBest(Classifier classifier, List<Example> train, double[][] labels, Loss loss,
                                       TrainConfig config, ExperimentConfig.EarlyStop stop, List<Example> val,
                                       int[] valLabels, List<List<Example>> predictOn, List<RunResult.CurvePoint> curve,
                                       CurveDocs docs, List<Double> losses) {
        int curveEvery = curve != null ? config.curveEvery(train.size()) : 0;
        // The trainer calls the monitor at multiples of one period: the gcd serves both the curve and the scoring.
        int period = curveEvery > 0 ? gcd(curveEvery, stop.every()) : stop.every();
        TrainConfig monitored = config.withEvalEvery(period);
        Object[] best = new Object[2]; // predictions, step
        double[] bestScore = {Double.NEGATIVE_INFINITY};
        int[] sinceBest = {0};
        Classifier.Trained trained = null;
        try {
            trained = classifier.fit(train, labels, loss, monitored, keepingLosses((step, total, m) -> {
                if (curveEvery > 0 && (step % curveEvery == 0 || step == total)) {
                    curve.add(docs.score(step, total, m));
                }
                if (step % stop.every() != 0 && step != total) return;
                double score = stop.score(m.predict(val), valLabels);
                if (best[0] == null || score > bestScore[0]) {
                    bestScore[0] = score;
                    best[0] = predictOn.stream().map(m::predict).toList();
                    best[1] = step;
                    sinceBest[0] = 0;
                } else if (stop.patience() != null && ++sinceBest[0] >= stop.patience()) {
                    throw new StopTraining();
                }
            }, losses));
        } catch (StopTraining e) {
            // the best step's predictions are kept below
        }
        int total = monitored.totalSteps(train.size());
        if (best[0] == null) {
            Classifier.Trained last = trained;
            return new Kept(predictOn.stream().map(last::predict).toList(), null, total);
        }
        @SuppressWarnings("unchecked")
        List<double[][]> kept = (List<double[][]>) best[0];
        return new Kept(kept, (Integer) best[1], total);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** What is wrong with cached predictions (a missing array, a wrong length, a value outside [0, 1]), or null. */
    static String probabilities(List<String> names, List<double[]> arrays, List<Integer> lengths) {
        for (int i = 0; i < names.size(); i++) {
            double[] a = arrays.get(i);
            if (a == null) return names.get(i) + " is missing";
            if (a.length != lengths.get(i)) {
                return names.get(i) + " has " + a.length + " values for " + lengths.get(i) + " documents";
            }
            for (int j = 0; j < a.length; j++) {
                if (!(a[j] >= 0 && a[j] <= 1)) return names.get(i) + "[" + j + "] is " + a[j] + ", not a probability";
            }
        }
        return null;
    }

    /**
     * The model trained with ground truth on half A or B of the split with the run's seed, from the stage cache or
     * trained now. The key holds only what the training depends on (task, data, split, half, model settings, early
     * stopping), not the role, so the weak supervisor of one run and the ceiling of another that share them are one
     * entry: trained once, the same predictions in both roles.
     *
     * @param role the role it is trained for now, for progress bars only
     */
    private GroundTruth groundTruth(Task task, ExperimentConfig config, Split split, String half, ModelConfig model,
                                    ExperimentConfig.EarlyStop stopAll, int[] valTruth, List<Example> pairsChosen,
                                    List<Example> pairsRejected, int[] testLabels, String role) {
        Map<String, Object> key = stageKey(task, config, "ground-truth-" + half, model);
        if (stopAll != null) key.put("early_stop", stopAll);
        List<Example> train = half.equals("A") ? split.a() : split.b();
        List<Integer> sizes = new ArrayList<>(List.of(split.b().size(), split.test().size(), pairsChosen.size(),
                pairsRejected.size()));
        return stages.computeIfAbsent(StageCache.key(key), GroundTruth.class,
                g -> probabilities(List.of("labels_b", "test", "pairs_chosen", "pairs_rejected"),
                        java.util.Arrays.asList(g.labelsB(), g.test(), g.pairsChosen(), g.pairsRejected()), sizes), () -> {
            Classifier classifier = Models.classifier(model, features, task.name());
            TrainConfig trainConfig = model.train().withSeed(config.seed());
            List<RunResult.CurvePoint> points = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            if (stopAll != null) {
                Kept k = Progress.role(role, () -> fitKeepingBest(classifier, train, oneHot(train),
                        Losses.get("xent"), trainConfig, stopAll, split.val(), valTruth,
                        List.of(split.b(), split.test(), pairsChosen, pairsRejected, split.val()), points,
                        CurveDocs.of(model, trainConfig, train.size(), split.test(), testLabels), losses));
                return new GroundTruth(positive(k.predictions().get(0)), positive(k.predictions().get(1)),
                        positive(k.predictions().get(2)), positive(k.predictions().get(3)),
                        positive(k.predictions().get(4)), points, k.stoppedAt(), Models.footprint(model),
                        orNull(losses));
            }
            Classifier.Trained trained = Progress.role(role, () -> classifier.fit(train, oneHot(train),
                    Losses.get("xent"), trainConfig.withEvalEvery(trainConfig.curveEvery(train.size())), keepingLosses(
                    curve(points, CurveDocs.of(model, trainConfig, train.size(), split.test(), testLabels)), losses)));
            return new GroundTruth(positive(trained.predict(split.b())), positive(trained.predict(split.test())),
                    positive(trained.predict(pairsChosen)), positive(trained.predict(pairsRejected)), null, points,
                    null, footprint(trained, model), orNull(losses));
        });
    }

    /**
     * How the ceiling was trained, in words, for the result: whether it is the training this model gets as a weak
     * supervisor (on A with ground truth and the run's seed) or, where the configuration makes it differ, how.
     */
    static String ceilingTraining(ExperimentConfig config) {
        String how = "ground truth on " + config.ceilingOn() + " with the run's seed";
        List<String> differs = new ArrayList<>();
        if (!config.ceilingOn().equals("A")) differs.add("it trains on B (--ceiling-on B), a weak supervisor on A");
        if (!config.ceilingModel().equals(config.strong())) {
            differs.add("it has settings of its own (--ceiling-...), not the student's");
        }
        if (differs.isEmpty()) {
            return how + ": the same trained model as " + config.strong().name() + " as a weak supervisor with these "
                    + "settings and seed" + (config.weak().equals(config.strong()) ? " (this run's own)" : "");
        }
        return how + "; not the model " + config.strong().name() + " is as a weak supervisor: "
                + String.join("; ", differs);
    }

    private static Map<String, Object> stageKey(Task task, ExperimentConfig config, String stage, ModelConfig model) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("stage", stage);
        key.put("task", task.name());
        key.put("data_sha256", task.provenance().sha256());
        key.put("split", config.split());
        if (config.longTexts() != null) key.put("long_texts", config.longTexts());
        key.put("model", model);
        return key;
    }

    /** The monitor, also keeping every step's training loss in {@code losses}, in order. */
    private static Classifier.Monitor keepingLosses(Classifier.Monitor monitor, List<Double> losses) {
        return new Classifier.Monitor() {
            @Override
            public void atStep(int step, int totalSteps, Classifier.Trained model) {
                monitor.atStep(step, totalSteps, model);
            }

            @Override
            public void loss(int step, int totalSteps, double loss) {
                losses.add(loss);
            }
        };
    }

    /** The losses a trainer reported, or null if it reported none (a CCS supervisor, which has no such steps). */
    private static List<Double> orNull(List<Double> losses) {
        return losses.isEmpty() ? null : List.copyOf(losses);
    }

    /** Records a curve point at each call (none when points is null: a curve nobody keeps). */
    private static Classifier.Monitor curve(List<RunResult.CurvePoint> points, CurveDocs docs) {
        return (step, total, model) -> {
            if (points != null) points.add(docs.score(step, total, model));
        };
    }

    /** Fine-tuning's training curve is sized to cost this fraction of its training, however long training is. */
    public static final double CURVE_BUDGET = 0.08;
    /**
     * What scoring a document costs next to training on one, fine-tuning on CPU: measured with
     * bench/curve-cost.sh (minilm-l6, fine_foods). It was 0.6 until scoring stopped padding a sample into one group
     * and bf16 attention stopped taking libtorch's slow CPU kernel; with 0.6 the curve then cost 3.5-3.8% of training
     * against the 8% budget (2026-12-03), so a scored document is about 0.27 of a trained one.
     */
    static final double SCORING_COST = 0.3;

    /**
     * The test documents a training curve is scored on: all of them for probes and bow, whose scoring costs little
     * next to training (features are cached), and for fine-tuning a fixed sample sized so that scoring it at every
     * point of the curve costs about {@link #CURVE_BUDGET} of training, a scored document counted as
     * {@link #SCORING_COST} of a trained one. The final accuracy is always on the whole test set.
     */
    public record CurveDocs(List<Example> docs, int[] labels) {
        public static CurveDocs of(ModelConfig model, TrainConfig train, int nTrain, List<Example> test, int[] labels) {
            int every = train.curveEvery(nTrain);
            if (model.mode() != w2s.zoo.Training.FINETUNE || every <= 0) return new CurveDocs(test, labels);
            int total = train.totalSteps(nTrain);
            int points = (total + every - 1) / every;
            int n = (int) Math.max(1, Math.min(test.size(),
                    Math.round(CURVE_BUDGET / SCORING_COST * total * Math.min(train.batchSize(), nTrain) / points)));
            if (n == test.size()) return new CurveDocs(test, labels);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < test.size(); i++) order.add(i);
            // One fixed order: the student's and the ceiling's samples are nested, and the same for every seed.
            java.util.Collections.shuffle(order, new java.util.Random(0));
            List<Integer> kept = order.subList(0, n).stream().sorted().toList();
            return new CurveDocs(kept.stream().map(test::get).toList(), kept.stream().mapToInt(i -> labels[i]).toArray());
        }

        public RunResult.CurvePoint score(int step, int total, Classifier.Trained model) {
            return new RunResult.CurvePoint(step, total, Metrics.accuracy(model.predict(docs), labels), docs.size());
        }
    }

    private static List<Example> chosen(List<PreferencePair> pairs) {
        return pairs.stream().map(p -> new Example(p.id(), p.chosen(), 1)).toList();
    }

    private static List<Example> rejected(List<PreferencePair> pairs) {
        return pairs.stream().map(p -> new Example(p.id(), p.rejected(), 0)).toList();
    }

    static double[][] oneHot(List<Example> examples) {
        double[][] y = new double[examples.size()][2];
        for (int i = 0; i < y.length; i++) y[i][examples.get(i).label()] = 1;
        return y;
    }

    private static double elapsed(long start) {
        return Math.round((System.nanoTime() - start) / 1e6) / 1e3;
    }

    static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("w2s_version", Build.CURRENT.version());
        env.put("w2s_commit", Build.CURRENT.commit());
        env.put("java_version", System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        return new java.util.TreeMap<>(env);
    }
}
