package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.data.Example;
import w2s.data.SplitConfig;
import w2s.train.TrainConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/** Issue 23, item 3: every run records a training curve of about 20 points by default, at a bounded cost. */
class TrainingCurveTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultCadenceGivesAboutTwentyEvenlySpacedPoints() {
        TrainConfig auto = Models.PROBE_TRAIN;
        assertEquals(TrainConfig.EVAL_AUTO, auto.evalEvery());
        // 2 epochs of 2000 documents, batch 32: 125 steps, every 6th (and the last): 21 points.
        assertEquals(6, auto.curveEvery(2000));
        assertEquals(1, auto.curveEvery(100), "a short training is watched at every step");
        assertEquals(7, auto.withEvalEvery(7).curveEvery(2000), "a cadence given is kept");
        assertEquals(0, auto.withEvalEvery(0).curveEvery(2000), "0: no curve");
    }

    @Test
    void aPlainRunRecordsTheCurvesOfStudentAndCeiling() {
        ModelConfig bow = Models.defaults("bow", "scratch");
        ExperimentConfig config = new ExperimentConfig("grammar", new SplitConfig(3, 400, 150, false), bow, bow, "xent", "A");
        try (Experiment experiment = new Experiment(dir)) {
            RunResult r = experiment.run(config).result();
            for (List<RunResult.CurvePoint> curve : List.of(r.w2sCurve(), r.ceilingCurve())) {
                assertTrue(curve.size() >= 15 && curve.size() <= 25, "points: " + curve.size());
                RunResult.CurvePoint last = curve.get(curve.size() - 1);
                assertEquals(last.totalSteps(), last.step());
                assertEquals(150, last.documents(), "bow scores the whole test set");
            }
        }
    }

    @Test
    void fineTuningScoresItsCurveOnASampleWithinItsBudget() {
        ModelConfig tuned = Models.defaults("minilm-l6", "finetune");
        List<Example> test = new ArrayList<>();
        for (int i = 0; i < 1000; i++) test.add(new Example("d" + i, "text " + i, i % 2));
        int[] labels = test.stream().mapToInt(Example::label).toArray();
        TrainConfig train = tuned.train();
        Experiment.CurveDocs docs = Experiment.CurveDocs.of(tuned, train, 200, test, labels);
        int steps = train.totalSteps(200);
        int points = (steps + train.curveEvery(200) - 1) / train.curveEvery(200);
        // Scoring the sample at every point costs at most the budget of training.
        double cost = Experiment.SCORING_COST * points * docs.docs().size() / (steps * train.batchSize());
        assertTrue(cost <= Experiment.CURVE_BUDGET * 1.05 && docs.docs().size() >= 30, docs.docs().size() + " documents, cost " + cost);
        Experiment.CurveDocs probe = Experiment.CurveDocs.of(Models.defaults("minilm-l6", "probe"), train, 200, test, labels);
        assertEquals(1000, probe.docs().size(), "a probe's curve is on every test document");
    }
}
