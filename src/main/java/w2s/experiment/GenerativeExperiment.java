package w2s.experiment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import w2s.base.Progress;
import w2s.data.Completion;
import w2s.data.GenerativeTask;
import w2s.finetune.FineTuneClassifier;
import w2s.generate.AnswerLoss;
import w2s.generate.GenerativeModel;
import w2s.metrics.Bootstrap;
import w2s.metrics.Flags;
import w2s.metrics.Metrics;
import w2s.train.Classifier;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;
import w2s.zoo.Training;

/**
 * The weak-to-strong experiment on a generative task (the paper's chess puzzles): the weak model, fine-tuned on A to
 * write the right answers, writes its answers to B's prompts; each student (the models of {@code --chain} in turn,
 * then the strong one, then any {@code --s2s} rounds) is fine-tuned on B to write its supervisor's answers; the
 * ceiling is the strong model fine-tuned on the right answers of A (or B). Every model writes the test answers
 * greedily and is scored by an exact match of the normalised text with any right answer
 * ({@link ExperimentConfig.Generation}); PGR is on that accuracy.
 *
 * <p>A model's confidence in an answer is the probability it gives the whole answer (the product of its tokens'
 * probabilities, the end token left out): calibration (ECE, Brier) is of that probability against
 * whether the answer is right. Agreement is an exact match of the student's and the supervisor's normalised answers.
 * AUROC is not defined here. As in the binary pipeline, the weak model and a ceiling of the same model, trained on
 * A with ground truth and the run's seed, are one training.
 */
final class GenerativeExperiment {

    static void check(ExperimentConfig c, GenerativeTask task) {
        List<String> refused = new ArrayList<>();
        if (c.repair() != null) refused.add("--repair/--filter");
        if (c.earlyStop() != null) refused.add("--early-stop");
        if (c.calibrate() > 0) refused.add("--calibrate");
        if (c.longTexts() != null) refused.add("--long-texts drop");
        if (c.weakLabels() != null) refused.add("--weak-labels");
        if (c.ceiling() != null) refused.add("--ceiling-lora-*/--ceiling-device");
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", refused) + " appl" + (refused.size() == 1 ? "ies" : "y")
                    + " to classification tasks, not to the generative task " + task.name());
        }
        List<ModelConfig> models = new ArrayList<>(List.of(c.weak()));
        models.addAll(c.via());
        models.add(c.strong());
        for (ModelConfig m : models) {
            if (m.mode() != Training.FINETUNE) {
                throw new IllegalArgumentException(m.describe() + " cannot write answers: on the generative task "
                        + task.name() + " every model is a decoder language model fine-tuned to write them "
                        + "(--mode finetune, --weak-mode finetune)");
            }
        }
        AnswerLoss.of(c.loss());
    }

    private final Map<ModelConfig, GenerativeModel> models = new HashMap<>();

    private GenerativeModel model(ExperimentConfig config, ModelConfig m) {
        return models.computeIfAbsent(m, k -> {
            FineTuneClassifier tuned = (FineTuneClassifier) Models.classifier(k, null);
            return new GenerativeModel(k.name(), tuned.checkpoint(), tuned.settings(),
                    config.generation().maxNewTokens());
        });
    }

    /** One model trained and its answers written to B and to the test prompts. */
    private record Wrote(List<String> b, List<GenerativeModel.Written> test, List<Double> losses, int steps,
                         Classifier.Footprint footprint) {}

    private Wrote train(ExperimentConfig config, ModelConfig m, List<Completion> on, List<String> answers,
                        String loss, long seed, List<Completion> b, List<Completion> test) {
        List<Double> losses = new ArrayList<>();
        Classifier.Monitor monitor = new Classifier.Monitor() {
            public void atStep(int step, int totalSteps, Classifier.Trained model) {}

            public void loss(int step, int totalSteps, double l) {
                losses.add(l);
            }
        };
        try (GenerativeModel.Trained trained = model(config, m).fit(on, answers, AnswerLoss.of(loss),
                m.train().withSeed(seed), monitor)) {
            List<String> labels = b == null ? null : trained.write(b).stream().map(GenerativeModel.Written::text)
                    .toList();
            return new Wrote(labels, trained.write(test), losses, m.train().totalSteps(on.size()), trained.footprint());
        }
    }

    Experiment.Outcome run(ExperimentConfig config, GenerativeTask task) {
        check(config, task);
        ExperimentConfig.Generation match = config.generation();
        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        GenerativeTask.Split split = task.split(config.split());
        model(config, config.strong()).checkAnswers(split.a());
        model(config, config.weak()).checkAnswers(split.a());
        seconds.put("load", elapsed(t0));

        // 1. The weak supervisor, fine-tuned on A to write the right answers; its answers to B are the weak labels.
        long t1 = System.nanoTime();
        List<RunResult.LossCurve> trainingLosses = new ArrayList<>();
        Wrote weak = Progress.role("weak", () -> train(config, config.weak(), split.a(), answers(split.a()), "xent",
                config.seed(), split.b(), split.test()));
        trainingLosses.add(new RunResult.LossCurve("weak", weak.steps(), weak.losses()));
        seconds.put("weak", elapsed(t1));

        // 2. The students: each fine-tuned on B to write its supervisor's answers, which it then writes for the next.
        long t2 = System.nanoTime();
        List<ModelConfig> students = new ArrayList<>(config.via());
        for (int i = 0; i <= config.s2s(); i++) students.add(config.strong());
        List<String> labels = weak.b();
        List<RunResult.Step> steps = new ArrayList<>();
        Wrote student = null;
        for (int i = 0; i < students.size(); i++) {
            ModelConfig m = students.get(i);
            int strongIndex = i - config.via().size();
            long seed = config.seed() + (strongIndex == 0 ? 1 : 3 + i);
            boolean last = i == students.size() - 1;
            List<String> from = labels;
            student = Progress.role(strongIndex < 0 ? "intermediate" : strongIndex == 0 ? "student" : "s2s student",
                    () -> train(config, m, split.b(), from, config.loss(), seed, last ? null : split.b(), split.test()));
            String role = strongIndex < 0 ? "via" : strongIndex == 0 ? "student" : "s2s";
            steps.add(new RunResult.Step(role, m.describe(), accuracy(right(texts(student.test()), split.test(), match)),
                    null, student.steps()));
            trainingLosses.add(new RunResult.LossCurve(RunResult.Step.name(role, strongIndex < 0 ? i + 1 : strongIndex),
                    student.steps(), student.losses()));
            labels = student.b();
        }
        seconds.put("student", elapsed(t2));

        // 3. The ceiling: the strong model with the right answers, on A (default) or B, with the run's seed — the weak
        // model's own training when it is the same model.
        long t3 = System.nanoTime();
        List<Completion> ceilingOn = config.ceilingOn().equals("A") ? split.a() : split.b();
        Wrote ceiling = config.weak().equals(config.strong()) && config.ceilingOn().equals("A") ? weak
                : Progress.role("ceiling", () -> train(config, config.strong(), ceilingOn, answers(ceilingOn), "xent",
                        config.seed(), null, split.test()));
        trainingLosses.add(new RunResult.LossCurve("ceiling", ceiling.steps(), ceiling.losses()));
        seconds.put("ceiling", elapsed(t3));

        // 4. Metrics: exact match, its paired bootstrap over test items, calibration of the answers' probabilities.
        List<String> weakTexts = texts(weak.test()), w2sTexts = texts(student.test());
        List<String> ceilingTexts = texts(ceiling.test());
        boolean[] weakRight = right(weakTexts, split.test(), match);
        boolean[] w2sRight = right(w2sTexts, split.test(), match);
        boolean[] ceilingRight = right(ceilingTexts, split.test(), match);
        double weakAcc = accuracy(weakRight), w2sAcc = accuracy(w2sRight), ceilingAcc = accuracy(ceilingRight);
        int n = split.test().size();
        int[] ones = ones(n);
        Bootstrap.Intervals ci = Bootstrap.pairedItems(credits(weakRight), credits(w2sRight), credits(ceilingRight),
                ones, true, config.seed());
        Metrics.Agreement agreement = agreement(w2sTexts, weakTexts, weakRight, match);
        List<String> flags = Flags.ofAnswers(weak.b(), weakTexts, w2sTexts, ceilingTexts, ci);
        Metrics.Reliability weakRel = reliability(weak.test(), weakRight), w2sRel = reliability(student.test(), w2sRight),
                ceilingRel = reliability(ceiling.test(), ceilingRight);
        boolean[] weakRightB = right(weak.b(), split.b(), match);
        Map<String, Classifier.Footprint> footprints = new TreeMap<>(Map.of("weak", weak.footprint(), "w2s",
                student.footprint(), "ceiling", ceiling.footprint()));
        seconds.put("total", elapsed(t0));
        RunResult.ItemResult items = new RunResult.ItemResult("generative", 0, null, null, null, null, null, null,
                false);
        Bootstrap.Interval none = null;
        RunResult result = new RunResult(
                weakAcc, w2sAcc, ceilingAcc, Metrics.pgr(weakAcc, w2sAcc, ceilingAcc),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                ci.weakAccuracy(), ci.w2sAccuracy(), ci.ceilingAccuracy(), ci.pgr(), none, none, none, none, ci.gap(),
                flags, weakRel.ece(), w2sRel.ece(), ceilingRel.ece(),
                brier(weak.test(), weakRight), brier(student.test(), w2sRight), brier(ceiling.test(), ceilingRight),
                agreement.all(), agreement.supervisorCorrect(), agreement.supervisorWrong(), accuracy(weakRightB),
                null, null, null, split.a().size(), split.b().size(), n, null, null,
                new TreeMap<>(Map.of("weak", weakRel, "w2s", w2sRel, "ceiling", ceilingRel)), List.of(), List.of(),
                null, null, steps, seconds, footprints, config,
                new RunResult.TaskInfo(task.name(), task.train().size(), task.test().size(), task.provenance()),
                Experiment.environment(), 0, null, null, null, trainingLosses, Experiment.ceilingTraining(config),
                items);
        List<String> testIds = split.test().stream().map(Completion::id).toList();
        Predictions predictions = new Predictions(testIds, ones, confidenceOfRight(weak.test(), weakRight),
                confidenceOfRight(student.test(), w2sRight), confidenceOfRight(ceiling.test(), ceilingRight),
                split.b().stream().map(Completion::id).toList(), ones(split.b().size()),
                credits1(weakRightB), new Predictions.Items(new int[n], new int[n], new int[n], credits1(weakRight),
                credits1(w2sRight), credits1(ceilingRight)));
        GenerativeAnswers answers = new GenerativeAnswers(split.b(), weak.b(), split.test(), weakTexts, w2sTexts,
                ceilingTexts, weakRight, w2sRight, ceilingRight);
        return new Experiment.Outcome(result, null, null, predictions, null, answers);
    }

    /** Every item's label in the two-way credits the bootstrap and predictions.parquet read: 1, "the right answer". */
    private static int[] ones(int n) {
        int[] ones = new int[n];
        java.util.Arrays.fill(ones, 1);
        return ones;
    }

    private static List<String> answers(List<Completion> items) {
        return items.stream().map(Completion::answer).toList();
    }

    private static List<String> texts(List<GenerativeModel.Written> written) {
        return written.stream().map(GenerativeModel.Written::text).toList();
    }

    /** Whether each written answer matches one of the item's right answers once both are normalised. */
    static boolean[] right(List<String> written, List<Completion> items, ExperimentConfig.Generation match) {
        boolean[] right = new boolean[items.size()];
        for (int i = 0; i < right.length; i++) {
            String said = match.normalise(written.get(i));
            for (String a : items.get(i).answers()) right[i] |= said.equals(match.normalise(a));
        }
        return right;
    }

    private static double accuracy(boolean[] right) {
        int n = 0;
        for (boolean r : right) n += r ? 1 : 0;
        return (double) n / right.length;
    }

    /** Exact-match correctness as one-hot "choices" (candidate 1: right), which the item bootstrap resamples. */
    private static double[][] credits(boolean[] right) {
        double[][] c = new double[right.length][];
        for (int i = 0; i < c.length; i++) c[i] = right[i] ? new double[] {0, 1} : new double[] {1, 0};
        return c;
    }

    private static double[] credits1(boolean[] right) {
        double[] c = new double[right.length];
        for (int i = 0; i < c.length; i++) c[i] = right[i] ? 1 : 0;
        return c;
    }

    /** The probability a model gave its answer where that answer is right, else 0 (what predictions.parquet holds). */
    private static double[] confidenceOfRight(List<GenerativeModel.Written> written, boolean[] right) {
        double[] p = new double[right.length];
        for (int i = 0; i < p.length; i++) p[i] = right[i] ? written.get(i).confidence() : 0;
        return p;
    }

    /** Agreement: the student's normalised answer is the supervisor's, overall, where it is right, where wrong. */
    static Metrics.Agreement agreement(List<String> student, List<String> supervisor, boolean[] supervisorRight,
                                       ExperimentConfig.Generation match) {
        int same = 0, sameRight = 0, right = 0, sameWrong = 0;
        for (int i = 0; i < student.size(); i++) {
            boolean s = match.normalise(student.get(i)).equals(match.normalise(supervisor.get(i)));
            same += s ? 1 : 0;
            if (supervisorRight[i]) {
                right++;
                sameRight += s ? 1 : 0;
            } else {
                sameWrong += s ? 1 : 0;
            }
        }
        int n = student.size(), wrong = n - right;
        return new Metrics.Agreement((double) same / n, right == 0 ? Double.NaN : (double) sameRight / right,
                wrong == 0 ? Double.NaN : (double) sameWrong / wrong, right, wrong);
    }

    /** Reliability of the answers' probabilities against their correctness, in ten equal-width bins. */
    static Metrics.Reliability reliability(List<GenerativeModel.Written> written, boolean[] right) {
        int bins = 10, n = right.length;
        double[] confidence = new double[bins];
        int[] correct = new int[bins], count = new int[bins];
        for (int i = 0; i < n; i++) {
            double c = written.get(i).confidence();
            int b = Math.min(bins - 1, (int) (c * bins));
            confidence[b] += c;
            correct[b] += right[i] ? 1 : 0;
            count[b]++;
        }
        List<Metrics.Bin> out = new ArrayList<>();
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) ece += Math.abs(correct[b] - confidence[b]) / n;
            out.add(new Metrics.Bin((double) b / bins, (double) (b + 1) / bins, count[b],
                    count[b] == 0 ? Double.NaN : confidence[b] / count[b],
                    count[b] == 0 ? Double.NaN : (double) correct[b] / count[b]));
        }
        return new Metrics.Reliability(out, ece);
    }

    /** The Brier score of the answers' probabilities as forecasts of their being right. */
    static double brier(List<GenerativeModel.Written> written, boolean[] right) {
        double s = 0;
        for (int i = 0; i < right.length; i++) {
            double e = written.get(i).confidence() - (right[i] ? 1 : 0);
            s += e * e;
        }
        return s / right.length;
    }

    private static double elapsed(long start) {
        return Math.round((System.nanoTime() - start) / 1e6) / 1e3;
    }
}
