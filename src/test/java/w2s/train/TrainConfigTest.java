package w2s.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import w2s.base.Json;

/** Schedules, warm-up and AdamW against values computed by hand. */
class TrainConfigTest {
    private static final double EPS = 1e-12;

    private static TrainConfig config(String schedule, int warmup) {
        return new TrainConfig(1, 1, 1.0, 0, schedule, 0, 0, warmup, "adam", null, 0);
    }

    @Test
    void cosineWithoutWarmupIsTorchsCosineAnnealing() {
        TrainConfig c = config("cosine", 0);
        assertEquals(1.0, c.lrAt(0, 6), EPS);
        assertEquals(0.75, c.lrAt(2, 6), EPS); // 0.5 (1 + cos(pi / 3))
        assertEquals(0.5, c.lrAt(3, 6), EPS);
        assertEquals(new TrainConfig(1, 1, 1.0, 0, "cosine", 0, 0), c);
    }

    @Test
    void warmupThenEachSchedule() {
        // 4 warm-up steps of 12: 0, 0.25, 0.5, 0.75, then the schedule over the remaining 8 steps.
        for (String schedule : TrainConfig.SCHEDULES) {
            assertEquals(0.0, config(schedule, 4).lrAt(0, 12), EPS, schedule);
            assertEquals(0.5, config(schedule, 4).lrAt(2, 12), EPS, schedule);
            assertEquals(1.0, config(schedule, 4).lrAt(4, 12), EPS, schedule);
        }
        assertEquals(0.5, config("cosine", 4).lrAt(8, 12), EPS);
        assertEquals(0.5, config("linear", 4).lrAt(8, 12), EPS);
        assertEquals(0.25, config("linear", 4).lrAt(10, 12), EPS);
        assertEquals(1.0, config("constant", 4).lrAt(10, 12), EPS);
        assertEquals(0.75, config("linear", 0).lrAt(3, 12), EPS);
    }

    @Test
    void adamwDecaysTheWeightsNotTheGradient() {
        // The first Adam step moves by lr · sign(g). Adam: g = 0.5 + 0.1 · 1, p = 1 − 0.1 = 0.9.
        double[] adam = {1.0};
        new Adam(1).step(adam, new double[] {0.5}, 0.1, 0.1, null);
        assertEquals(0.9, adam[0], 1e-6);
        // AdamW: p = 1 − 0.1 · 0.1 · 1 = 0.99, then the step: 0.89.
        double[] adamw = {1.0};
        new Adam(1, 0.999, true).step(adamw, new double[] {0.5}, 0.1, 0.1, null);
        assertEquals(0.89, adamw[0], 1e-6);
        // AdamW decays a weight whose gradient is zero; Adam leaves an untouched coordinate alone only without decay.
        double[] idle = {2.0};
        new Adam(1, 0.999, true).step(idle, new double[] {0}, 0.1, 0.5, null);
        assertEquals(1.9, idle[0], 1e-12);
    }

    @Test
    void beta2ShapesTheSecondStep() {
        // Gradients 1 then 0: m = 0.1, 0.09; v = (1 − β2), β2 (1 − β2). Step 2: m̂ = 0.09 / 0.19, v̂ = β2 / (1 + β2).
        for (double beta2 : new double[] {0.999, 0.95}) {
            double[] p = {0};
            Adam adam = new Adam(1, beta2, false);
            adam.step(p, new double[] {1}, 1, 0, null);
            adam.step(p, new double[] {0}, 1, 0, null);
            double second = (0.09 / 0.19) / Math.sqrt(beta2 / (1 + beta2));
            assertEquals(-1 - second, p[0], 1e-6, "beta2 " + beta2);
        }
    }

    @Test
    void newSettingsStayOutOfTheJsonAtTheirDefaults() throws Exception {
        String plain = Json.compact(new TrainConfig(2, 32, 1e-3, 1.0, "cosine", 0, 0));
        assertFalse(plain.contains("warmup") || plain.contains("optimizer") || plain.contains("beta2")
                || plain.contains("dropout"), plain);
        TrainConfig eleuther = new TrainConfig(3, 32, 8e-5, 0.1, "cosine", 0, 0, 40, "adamw", 0.95, 0.1);
        String json = Json.compact(eleuther);
        assertTrue(json.contains("\"warmup_steps\":40") && json.contains("\"optimizer\":\"adamw\"")
                && json.contains("\"beta2\":0.95") && json.contains("\"dropout\":0.1"), json);
        assertEquals(eleuther, Json.MAPPER.readValue(json, TrainConfig.class));
        assertEquals(new TrainConfig(2, 32, 1e-3, 1.0, "cosine", 0, 0), Json.MAPPER.readValue(plain, TrainConfig.class));
    }

    @Test
    void badSettingsNameTheOptionAndTheValidValues() {
        String schedule = assertThrows(IllegalArgumentException.class, () -> config("step", 0)).getMessage();
        assertTrue(schedule.contains("--schedule") && schedule.contains("cosine, linear, constant"), schedule);
        String optimizer = assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(1, 1, 1, 0, "cosine", 0, 0, 0, "sgd", null, 0)).getMessage();
        assertTrue(optimizer.contains("--optimizer") && optimizer.contains("adam, adamw"), optimizer);
        assertThrows(IllegalArgumentException.class, () -> config("cosine", -1));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(1, 1, 1, 0, "cosine", 0, 0, 0, "adam", null, 1));
    }

    @Test
    void aMinimumOfStepsTrainsSmallSetsLongerAndLeavesLargeOnesAsTheReferenceCounts() throws Exception {
        TrainConfig t = new TrainConfig(2, 32, 5e-5, 0, "cosine", 0, 0).withMinSteps(200);
        // 250 documents, 2 epochs, batch 32: 500 / 32 = 15 steps by epochs, so the minimum decides.
        assertEquals(15, new TrainConfig(2, 32, 5e-5, 0, "cosine", 0, 0).totalSteps(250));
        assertEquals(200, t.totalSteps(250));
        // The openai sweep's half of 20,000 documents: 2 · 10,000 / 32 = 625 steps, above the minimum.
        assertEquals(625, t.totalSteps(10_000));
        String json = Json.compact(t);
        assertTrue(json.contains("\"min_steps\":200"), json);
        assertEquals(t, Json.MAPPER.readValue(json, TrainConfig.class));
        assertFalse(Json.compact(t.withMinSteps(0)).contains("min_steps"), "absent at 0: probe keys unchanged");
        String bad = assertThrows(IllegalArgumentException.class, () -> t.withMinSteps(-1)).getMessage();
        assertTrue(bad.contains("--min-steps"), bad);
    }

    @Test
    void aTrainerRunsTheMinimumNumberOfSteps() {
        // Ten documents, batch 4, one epoch: 2 steps by epochs; with a minimum of 30, thirty, cycling over them.
        java.util.List<w2s.data.Example> docs = new java.util.ArrayList<>();
        double[][] labels = new double[10][];
        for (int i = 0; i < 10; i++) {
            docs.add(new w2s.data.Example("d" + i, (i % 2 == 0 ? "good fine" : "bad awful") + " " + i, i % 2));
            labels[i] = i % 2 == 0 ? new double[] {1, 0} : new double[] {0, 1};
        }
        for (int min : new int[] {0, 30}) {
            java.util.List<Integer> seen = new java.util.ArrayList<>();
            TrainConfig t = new TrainConfig(1, 4, 1e-2, 0, "constant", 0, 0).withMinSteps(min);
            w2s.train.BagOfWords.standard().fit(docs, labels, Losses.get("xent"), t, new w2s.train.Classifier.Monitor() {
                @Override
                public void atStep(int step, int totalSteps, w2s.train.Classifier.Trained model) {}

                @Override
                public void loss(int step, int totalSteps, double loss) {
                    seen.add(step);
                }
            });
            assertEquals(min == 0 ? 2 : 30, seen.size(), "steps with a minimum of " + min);
        }
    }
}
