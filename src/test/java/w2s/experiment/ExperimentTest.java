package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.base.Natives;
import w2s.data.SplitConfig;
import w2s.results.RunWriter;
import w2s.train.TrainConfig;
import w2s.zoo.Models;

/** The whole experiment on the real grammar task and the real MiniLM encoder, kept small. */
class ExperimentTest {
    @TempDir
    Path dir;

    private static ExperimentConfig config(String loss) {
        return new ExperimentConfig("grammar", new SplitConfig(7, 240, 120, true),
                Models.defaults("bow", "scratch"), Models.defaults("minilm-l6", "probe"), loss, "A");
    }

    @Test
    void runsEndToEndWritesMetricsAndReproducesFromCache() throws Exception {
        Path cache = dir.resolve("cache");
        Experiment.Outcome first;
        try (Experiment experiment = new Experiment(cache)) {
            first = experiment.run(config("logconf"));
        }
        RunResult r = first.result();
        assertEquals(240, r.nA() + r.nB());
        assertEquals(120, r.nTest());
        for (double v : List.of(r.weakAccuracy(), r.w2sAccuracy(), r.ceilingAccuracy(), r.w2sAuroc(),
                r.agreementAll(), r.w2sEce())) {
            assertTrue(v >= 0 && v <= 1, "metric in [0, 1]: " + v);
        }
        assertTrue(r.ceilingAccuracy() > 0.5 && r.weakAccuracy() > 0.45, "models learn something: " + r);

        Path out = dir.resolve("run");
        RunWriter.write(out, "k", first);
        JsonNode metrics = Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
        for (String key : List.of("weak_accuracy", "ceiling_accuracy", "w2s_accuracy", "pgr", "w2s_auroc",
                "agreement_all", "agreement_weak_correct", "agreement_weak_wrong", "w2s_ece", "weak_ece",
                "ceiling_ece", "config", "pgr_auroc", "weak_accuracy_ci", "w2s_accuracy_ci", "ceiling_accuracy_ci",
                "pgr_ci", "weak_auroc_ci", "w2s_auroc_ci", "ceiling_auroc_ci", "pgr_auroc_ci", "gap_ci", "flags")) {
            assertTrue(metrics.has(key), "metrics.json has " + key);
        }
        // Intervals are [lo, hi] around the point estimate; flags are a list (possibly empty).
        JsonNode accCi = metrics.path("w2s_accuracy_ci");
        assertEquals(2, accCi.size());
        assertTrue(accCi.get(0).asDouble() <= r.w2sAccuracy() && r.w2sAccuracy() <= accCi.get(1).asDouble(), accCi.toString());
        assertTrue(metrics.path("flags").isArray());
        // The build recorded the toolkit's version and commit.
        assertFalse(metrics.path("environment").path("w2s_version").asText().equals("null"));
        assertTrue(metrics.path("environment").has("w2s_commit"));
        assertEquals(7, metrics.path("config").path("split").path("seed").asLong());
        assertEquals("logconf", metrics.path("config").path("loss").asText());
        assertEquals("org.languagetool:language-en:6.4", metrics.path("task").path("provenance").path("location").asText());
        // Per-example predictions as Parquet: one row per test document with three probabilities, one per document
        // of B with its weak label (student and ceiling null).
        try (java.sql.Connection c = Natives.duckdb("jdbc:duckdb:"); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT split, count(*), count(student), count(ceiling), "
                     + "min(weak), max(weak), count(DISTINCT id), sum(label), avg(student) FROM read_parquet('"
                     + out.resolve("predictions.parquet") + "') GROUP BY split ORDER BY split")) {
            assertTrue(rs.next());
            assertEquals("b", rs.getString(1));
            assertEquals(r.nB(), rs.getLong(2));
            assertEquals(0, rs.getLong(3));
            assertEquals(0, rs.getLong(4));
            assertTrue(rs.getDouble(5) >= 0 && rs.getDouble(6) <= 1);
            assertEquals(r.nB(), rs.getLong(7));
            assertTrue(rs.next());
            assertEquals("test", rs.getString(1));
            assertEquals(r.nTest(), rs.getLong(2));
            assertEquals(r.nTest(), rs.getLong(3));
            assertEquals(r.nTest(), rs.getLong(4));
            assertEquals(r.nTest(), rs.getLong(7));
            assertFalse(rs.next());
        }
        try (java.sql.Connection c = Natives.duckdb("jdbc:duckdb:"); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                     + "read_parquet('" + out.resolve("predictions.parquet") + "'))")) {
            StringBuilder schema = new StringBuilder();
            while (rs.next()) schema.append(rs.getString(1)).append(' ').append(rs.getString(2)).append(", ");
            assertEquals("split VARCHAR, id VARCHAR, label INTEGER, weak DOUBLE, student DOUBLE, ceiling DOUBLE, ",
                    schema.toString());
        }
        // The student's test probabilities are those its accuracy was computed from.
        Predictions p = first.predictions();
        int correct = 0;
        for (int i = 0; i < p.student().length; i++) correct += (p.student()[i] > 0.5 ? 1 : 0) == p.testLabels()[i] ? 1 : 0;
        assertEquals(r.w2sAccuracy(), correct / (double) p.student().length, 0.02);
        // The training log: a line per optimiser step with its loss and learning rate for every model, then a
        // closing line per model.
        List<String> log = Files.readAllLines(out.resolve("log.jsonl"));
        java.util.Set<String> closed = new java.util.HashSet<>();
        java.util.Map<String, List<Double>> losses = new java.util.HashMap<>();
        for (String line : log) {
            JsonNode n = Json.MAPPER.readTree(line);
            assertTrue(n.has("model") && n.has("step") && n.has("total_steps") && n.has("lr"), line);
            String model = n.path("model").asText();
            if (n.path("final").asBoolean()) {
                closed.add(model);
                assertTrue(n.has("test_accuracy"), line);
                continue;
            }
            List<Double> l = losses.computeIfAbsent(model, m -> new java.util.ArrayList<>());
            assertEquals(l.size() + 1, n.path("step").asInt(), "steps 1, 2, ... in order: " + line);
            assertTrue(Double.isFinite(n.path("loss").asDouble()) && n.path("loss").asDouble() > 0, line);
            l.add(n.path("loss").asDouble());
        }
        assertEquals(java.util.Set.of("weak", "student", "ceiling"), closed);
        TrainConfig weakTrain = config("logconf").weak().train();
        assertEquals(weakTrain.totalSteps(r.nA()), losses.get("weak").size(), "a loss for every step of the weak model");
        assertEquals(r.steps().get(0).totalSteps(), losses.get("student").size());
        assertEquals(config("logconf").strong().train().totalSteps(r.nA()), losses.get("ceiling").size());
        List<Double> weakLoss = losses.get("weak");
        assertTrue(weakLoss.get(weakLoss.size() - 1) < weakLoss.get(0), "the weak model learns A: " + weakLoss);
        List<Double> studentLoss = losses.get("student");
        assertTrue(studentLoss.get(studentLoss.size() - 1) < studentLoss.get(0), "the student learns: " + studentLoss);
        List<String> labels = Files.readAllLines(out.resolve("weak_labels.jsonl"));
        assertEquals(r.nB(), labels.size());
        assertTrue(labels.get(0).contains("\"gt_label\"") && labels.get(0).contains("\"weak_soft_label\""));

        // A second run with the same seed reads features, weak labels and ceiling from the cache and gives
        // identical metrics.
        try (Experiment experiment = new Experiment(cache)) {
            Experiment.Outcome rerun = experiment.run(config("logconf"));
            RunResult again = rerun.result();
            // The student trains again, the weak model and the ceiling come from the cache, losses and all: the same
            // training log, line for line.
            RunWriter.write(dir.resolve("rerun"), "k", rerun);
            assertEquals(log, Files.readAllLines(dir.resolve("rerun").resolve("log.jsonl")));
            assertEquals(r.weakAccuracy(), again.weakAccuracy());
            assertEquals(r.w2sAccuracy(), again.w2sAccuracy());
            assertEquals(r.ceilingAccuracy(), again.ceilingAccuracy());
            assertEquals(r.w2sAuroc(), again.w2sAuroc());
            assertEquals(r.agreementWeakWrong(), again.agreementWeakWrong());
            assertEquals(r.pgrCi(), again.pgrCi());
            assertEquals(r.w2sAurocCi(), again.w2sAurocCi());
            assertEquals(r.flags(), again.flags());

            // Label repair relabels B with a probe on the student's own activations; filtering drops a fraction.
            ExperimentConfig c = config("xent");
            RunResult repaired = experiment.run(new ExperimentConfig(c.task(), null, null, c.split(), c.weak(),
                    c.strong(), c.loss(), "A", new ExperimentConfig.Repair("knn", 0), List.of(), 0, null, 0)).result();
            assertEquals(r.nB(), repaired.labelRepair().n());
            assertTrue(repaired.labelRepair().changed() > 0, "a 50-neighbour vote changes some labels");
            assertEquals(r.weakLabelAccuracy(), repaired.labelRepair().accuracyBefore(), 1e-12);
            RunResult filtered = experiment.run(new ExperimentConfig(c.task(), null, null, c.split(), c.weak(),
                    c.strong(), c.loss(), "A", new ExperimentConfig.Repair("knn", 0.25), List.of(), 0, null, 0)).result();
            assertEquals(Math.round(0.25 * r.nB()), filtered.labelFilter().dropped());
        }
    }
}
