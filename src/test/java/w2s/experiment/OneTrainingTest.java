package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.data.SplitConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/**
 * A model trained with the same data, settings and seed is one trained model whatever role it plays: the weak
 * supervisor of one pair and the ceiling of another (both on A with ground truth and the run's seed, as in the openai
 * code) are one stage cache entry and report the same accuracy.
 */
class OneTrainingTest {
    @TempDir
    Path dir;

    /** Two word lists with some noise, as ResultsTest's task: bag-of-words learns it in a moment. */
    private Path task() throws Exception {
        StringBuilder s = new StringBuilder();
        java.util.Random random = new java.util.Random(3);
        String[] good = {"great", "tasty", "lovely", "fresh", "superb"};
        String[] bad = {"awful", "stale", "bland", "broken", "sour"};
        for (int i = 0; i < 400; i++) {
            int label = i % 2;
            String[] words = (random.nextDouble() < 0.8) == (label == 1) ? good : bad;
            s.append(Json.compact(java.util.Map.of("id", "d" + i, "text", "the food was " + words[random.nextInt(5)]
                    + " and " + words[random.nextInt(5)] + " item " + i, "label", label))).append('\n');
        }
        return Files.writeString(dir.resolve("words.jsonl"), s);
    }

    /** Stage cache entries: run() (unlike result()) stores only the models trained with ground truth. */
    private long groundTruthEntries(Path cache) throws Exception {
        try (Stream<Path> files = Files.list(cache.resolve("stages"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
        }
    }

    @Test
    void aModelIsOneTrainingAsWeakSupervisorAndAsCeiling() throws Exception {
        Path task = task();
        Path cache = dir.resolve("cache");
        ModelConfig plain = Models.defaults("bow", "scratch");
        ModelConfig slow = plain.withTrain(plain.train().withLr(plain.train().lr() / 10));
        // Pair 1: slow supervises plain. Pair 2: plain supervises slow. Same task, split and seed.
        ExperimentConfig one = new ExperimentConfig(task.toString(), new SplitConfig(5, 200, 100, false), slow, plain,
                "xent", "A");
        ExperimentConfig two = new ExperimentConfig(task.toString(), new SplitConfig(5, 200, 100, false), plain, slow,
                "xent", "A");
        Experiment.Outcome a;
        Experiment.Outcome b;
        try (Experiment e = new Experiment(cache)) {
            a = e.run(one);
            assertEquals(2, groundTruthEntries(cache), "two models trained with ground truth");
            b = e.run(two);
            assertEquals(2, groundTruthEntries(cache), "the second pair trains no ground-truth model anew");
        }
        // Each model's accuracy is the same as supervisor and as ceiling, prediction for prediction.
        assertEquals(a.result().ceilingAccuracy(), b.result().weakAccuracy(), 0.0);
        assertEquals(a.result().weakAccuracy(), b.result().ceilingAccuracy(), 0.0);
        assertArrayEquals(a.predictions().ceiling(), b.predictions().weak(), 0.0);
        assertArrayEquals(a.predictions().weak(), b.predictions().ceiling(), 0.0);
        assertTrue(a.result().ceilingTraining().startsWith("ground truth on A with the run's seed: the same trained "
                + "model as bow as a weak supervisor"), a.result().ceilingTraining());
        // The stage keys hold what training depends on, not the role: a fresh cache trains the same models.
        try (Experiment e = new Experiment(dir.resolve("fresh"))) {
            assertEquals(b.result().weakAccuracy(), e.run(two).result().weakAccuracy(), 0.0);
        }
    }

    @Test
    void aSameModelPairReportsTheSameWeakAndCeilingAccuracy() throws Exception {
        Path task = task();
        ModelConfig bow = Models.defaults("bow", "scratch");
        try (Experiment e = new Experiment(dir.resolve("cache"))) {
            for (long seed = 0; seed < 3; seed++) {
                RunResult r = e.run(new ExperimentConfig(task.toString(), new SplitConfig(seed, 200, 100, false), bow,
                        bow, "xent", "A")).result();
                assertEquals(r.weakAccuracy(), r.ceilingAccuracy(), 0.0, "seed " + seed);
                assertTrue(r.ceilingTraining().endsWith("(this run's own)"), r.ceilingTraining());
            }
        }
    }

    @Test
    void aCeilingTrainedOnBSaysItIsNotTheWeakModelsTraining() throws Exception {
        Path task = task();
        ModelConfig bow = Models.defaults("bow", "scratch");
        try (Experiment e = new Experiment(dir.resolve("cache"))) {
            RunResult r = e.run(new ExperimentConfig(task.toString(), new SplitConfig(1, 200, 100, false), bow, bow,
                    "xent", "B")).result();
            assertTrue(r.ceilingTraining().contains("not the model bow is as a weak supervisor")
                    && r.ceilingTraining().contains("--ceiling-on B"), r.ceilingTraining());
            assertEquals(2, groundTruthEntries(dir.resolve("cache")), "one on A (weak), one on B (ceiling)");
        }
    }
}
