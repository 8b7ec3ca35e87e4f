package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.data.SplitConfig;
import w2s.metrics.Metrics;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/** Bootstrapping, strong-to-strong rounds and early stopping on the grammar task with bag-of-words models. */
class VariantsTest {
    @TempDir
    Path dir;

    private static final ModelConfig BOW = Models.defaults("bow", "scratch");

    private static ExperimentConfig config(List<ModelConfig> via, int s2s, ExperimentConfig.EarlyStop earlyStop,
                                           int evalEvery) {
        ModelConfig strong = BOW.withTrain(BOW.train().withEvalEvery(evalEvery));
        return new ExperimentConfig("grammar", null, null, new SplitConfig(3, 400, 150, false), BOW, strong, "xent", "A", null,
                via, s2s, earlyStop, 0);
    }

    @Test
    void chainAndStrongToStrongTrainEachStepOnThePreviousLabels() {
        try (Experiment experiment = new Experiment(dir)) {
            RunResult plain = experiment.run(config(List.of(), 0, null, 0)).result();
            RunResult chained = experiment.run(config(List.of(BOW, BOW), 2, null, 0)).result();
            assertEquals(List.of("student"), plain.steps().stream().map(RunResult.Step::role).toList());
            assertEquals(List.of("via", "via", "student", "s2s", "s2s"),
                    chained.steps().stream().map(RunResult.Step::role).toList());
            // The weak model and the ceiling are shared; the reported student is the last step, and the PGR is
            // measured from the first weak model to the strong ceiling.
            assertEquals(plain.weakAccuracy(), chained.weakAccuracy());
            assertEquals(plain.ceilingAccuracy(), chained.ceilingAccuracy());
            assertEquals(chained.steps().get(4).accuracy(), chained.w2sAccuracy());
            assertEquals(Metrics.pgr(chained.weakAccuracy(), chained.w2sAccuracy(), chained.ceilingAccuracy()),
                    chained.pgr(), 1e-12);
            // Every model's training loss, a value per step, named as the training log names it.
            List<String> names = List.of("weak", "via 1", "via 2", "student", "s2s 1", "s2s 2", "ceiling");
            assertEquals(names, chained.trainingLosses().stream().map(RunResult.LossCurve::model).toList());
            for (int i = 0; i < 5; i++) {
                RunResult.LossCurve l = chained.trainingLosses().get(i + 1);
                assertEquals(chained.steps().get(i).totalSteps(), l.losses().size(), l.model());
                assertTrue(l.losses().stream().allMatch(v -> Double.isFinite(v) && v > 0), l.model());
            }
            java.util.Set<String> logged = new java.util.LinkedHashSet<>();
            for (String line : w2s.results.TrainingLog.lines(chained).split("\n")) {
                logged.add(line.replaceFirst("^\\{\"model\":\"([^\"]+)\".*", "$1"));
            }
            assertEquals(names, List.copyOf(logged), "the log, model by model in the order they trained");
            // Students learn from different labels, so the chain's students are not all the plain student.
            assertTrue(chained.steps().stream().anyMatch(s -> s.accuracy() != plain.w2sAccuracy()), chained.steps().toString());
        }
    }

    @Test
    void earlyStoppingKeepsAScoredStepAndTheCurveKeepsItsOwnPeriod() {
        try (Experiment experiment = new Experiment(dir)) {
            RunResult r = experiment.run(config(List.of(), 0, new ExperimentConfig.EarlyStop(0.25, 4, "auroc"), 6))
                    .result();
            RunResult.Step step = r.steps().get(0);
            assertNotNull(step.stoppedAt());
            // 300 of the 400 documents: B has 200, a quarter held out leaves 150, 10 epochs of batch 32 → 46 steps.
            assertEquals(46, step.totalSteps());
            assertTrue(step.stoppedAt() % 4 == 0 || step.stoppedAt() == step.totalSteps(), "scored step: " + step);
            assertTrue(r.w2sCurve().stream().allMatch(p -> p.step() % 6 == 0 || p.step() == p.totalSteps()));
            assertEquals(8, r.w2sCurve().size());
            assertEquals(step.accuracy(), r.w2sAccuracy());
        }
    }

    @Test
    void withAValidationSplitEveryModelStopsEarly() {
        try (Experiment experiment = new Experiment(dir)) {
            ExperimentConfig.EarlyStop stop = new ExperimentConfig.EarlyStop(0.25, 4, "auroc", 3);
            ExperimentConfig c = config(List.of(BOW), 1, stop, 0);
            RunResult r = experiment.run(new ExperimentConfig(c.task(), null, null, new SplitConfig(3, 400, 150, false,
                    100), c.weak(), c.strong(), c.loss(), c.ceilingOn(), null, c.via(), c.s2s(), stop, 0)).result();
            assertEquals(100, r.nVal());
            assertEquals(400, r.nA() + r.nB());
            // B is not cut: the students train on all 200 documents (10 epochs of batch 32 → 62 steps).
            for (RunResult.Step step : r.steps()) {
                assertEquals(62, step.totalSteps(), step.toString());
                assertNotNull(step.stoppedAt(), step.toString());
                assertTrue(step.stoppedAt() % 4 == 0 || step.stoppedAt() == 62, step.toString());
            }
            assertNotNull(r.weakStoppedAt());
            assertNotNull(r.ceilingStoppedAt());
            // With patience training may end early: a loss for every step run, at least up to the step kept.
            for (RunResult.LossCurve l : r.trainingLosses()) {
                assertTrue(l.losses().size() <= l.totalSteps(), l.model());
                Integer kept = switch (l.model()) {
                    case "weak" -> r.weakStoppedAt();
                    case "ceiling" -> r.ceilingStoppedAt();
                    case "via 1" -> r.steps().get(0).stoppedAt();
                    case "student" -> r.steps().get(1).stoppedAt();
                    default -> r.steps().get(2).stoppedAt();
                };
                assertTrue(l.losses().size() >= kept, l.model() + " ran " + l.losses().size() + ", kept " + kept);
            }
            assertTrue(r.weakStoppedAt() % 4 == 0 || r.weakStoppedAt() == 62, "weak " + r.weakStoppedAt());
            // Without a validation split the weak model and the ceiling train to the end.
            RunResult plain = experiment.run(config(List.of(), 0, stop, 0)).result();
            assertTrue(plain.weakStoppedAt() == null && plain.ceilingStoppedAt() == null && plain.nVal() == 0);
            assertNotNull(plain.steps().get(0).stoppedAt());
        }
    }

    @Test
    void temperatureScalingChangesCalibrationNotPredictions() {
        try (Experiment experiment = new Experiment(dir)) {
            ExperimentConfig plainConfig = config(List.of(), 0, null, 0);
            RunResult plain = experiment.run(plainConfig).result();
            ExperimentConfig c = plainConfig;
            RunResult scaled = experiment.run(new ExperimentConfig(c.task(), c.data(), c.testFile(), c.split(), c.weak(),
                    c.strong(), c.loss(), c.ceilingOn(), null, List.of(), 0, null, 0.2)).result();
            assertNotNull(scaled.w2sTemperature());
            assertTrue(scaled.w2sTemperature() > 0, "temperature " + scaled.w2sTemperature());
            assertNotNull(scaled.w2sEceUncalibrated());
            assertTrue(plain.w2sTemperature() == null && plain.w2sEceUncalibrated() == null);
            assertEquals(List.of("ceiling", "w2s", "weak"), List.copyOf(scaled.reliability().keySet()));
            assertEquals(scaled.w2sEce(), scaled.reliability().get("w2s").ece(), 1e-12);
            int counted = scaled.reliability().get("w2s").bins().stream().mapToInt(b -> b.count()).sum();
            assertEquals(scaled.nTest(), counted);
        }
    }

    record Value(double pgr) {}

    @Test
    void stageCacheReadsBackAnUndefinedNumberAsUndefined() {
        StageCache cache = new StageCache(dir);
        cache.put("k", new Value(Double.NaN));
        assertTrue(Double.isNaN(cache.get("k", Value.class).orElseThrow().pgr()));
        int[] computed = {0};
        for (int i = 0; i < 2; i++) cache.computeIfAbsent("j", Value.class, () -> new Value(++computed[0]));
        assertEquals(1, computed[0]);
    }
}
