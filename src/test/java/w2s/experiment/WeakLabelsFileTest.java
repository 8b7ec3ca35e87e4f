package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.data.SplitConfig;
import w2s.results.RunWriter;
import w2s.zoo.Models;

/** --weak-labels: a student trained on soft labels produced elsewhere, and every way such a file can be wrong. */
class WeakLabelsFileTest {
    @TempDir
    Path dir;

    private Path task() throws Exception {
        StringBuilder s = new StringBuilder();
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 300; i++) {
            int label = i % 2;
            String word = (random.nextDouble() < 0.85) == (label == 1) ? "great" : "awful";
            s.append(Json.compact(java.util.Map.of("id", "d" + i, "text", word + " food, item " + i, "label", label)))
                    .append('\n');
        }
        Path file = dir.resolve("words.jsonl");
        Files.writeString(file, s);
        return file;
    }

    private static ExperimentConfig config(Path task, Path weakLabels) {
        ExperimentConfig c = new ExperimentConfig(task.toString(), new SplitConfig(0, 160, 80, false),
                Models.defaults("bow", "scratch"), Models.defaults("bow", "scratch"), "xent", "A");
        return new ExperimentConfig(c.task(), c.data(), c.testFile(), c.split(), c.weak(), c.strong(), c.loss(),
                c.ceilingOn(), c.repair(), c.via(), c.s2s(), c.earlyStop(), c.calibrate(), null,
                weakLabels == null ? null : weakLabels.toString(), null);
    }

    @Test
    void anotherRunsWeakLabelsOrPlainIdLabelPairsTrainTheStudent() throws Exception {
        Path task = task();
        try (Experiment e = new Experiment(dir.resolve("cache"))) {
            Experiment.Outcome plain = e.run(config(task, null));
            RunWriter.write(dir.resolve("first"), "k", plain);
            Path labels = dir.resolve("first").resolve("weak_labels.jsonl");
            Experiment.Outcome again = e.run(config(task, labels));
            assertEquals(plain.result().w2sAccuracy(), again.result().w2sAccuracy(), 1e-12,
                    "the same labels from a file train the same student");
            assertEquals(labels.toString(), again.result().config().weakLabels());
            assertNotEquals(e.cellKey(config(task, null)), e.cellKey(config(task, labels)));

            // {id, label} lines with every label flipped: the student learns the opposite.
            StringBuilder flipped = new StringBuilder();
            for (String line : Files.readAllLines(labels)) {
                ObjectNode row = (ObjectNode) Json.MAPPER.readTree(line);
                flipped.append(Json.compact(java.util.Map.of("id", row.get("id").asText(),
                        "label", 1 - row.get("weak_soft_label").asDouble()))).append('\n');
            }
            Path other = dir.resolve("flipped.jsonl");
            Files.writeString(other, flipped);
            Experiment.Outcome opposite = e.run(config(task, other));
            assertTrue(opposite.result().w2sAccuracy() < plain.result().w2sAccuracy(),
                    opposite.result().w2sAccuracy() + " vs " + plain.result().w2sAccuracy());
            assertEquals(opposite.result().weakAccuracy(), plain.result().weakAccuracy(), 1e-12,
                    "the weak model still scores the test set");
        }
    }

    @Test
    void badFilesAreClearErrorsNamingFileLineAndId() throws Exception {
        Path task = task();
        List<String> lines;
        try (Experiment e = new Experiment(dir.resolve("cache"))) {
            RunWriter.write(dir.resolve("first"), "k", e.run(config(task, null)));
            lines = Files.readAllLines(dir.resolve("first").resolve("weak_labels.jsonl"));
            String id0 = Json.MAPPER.readTree(lines.get(0)).get("id").asText();

            // A missing id.
            String missing = error(e, task, "missing.jsonl", lines.subList(1, lines.size()));
            assertTrue(missing.contains("missing.jsonl: no label for 1 of B's") && missing.contains("id " + id0), missing);

            // An extra id: a document of the task that is not in B.
            List<String> extra = new ArrayList<>(lines);
            java.util.Set<String> inB = new java.util.HashSet<>();
            for (String l : lines) inB.add(Json.MAPPER.readTree(l).get("id").asText());
            String outside = java.util.stream.IntStream.range(0, 300).mapToObj(i -> "d" + i)
                    .filter(id -> !inB.contains(id)).findFirst().orElseThrow();
            extra.add("{\"id\":\"" + outside + "\",\"label\":0.5}");
            String extraError = error(e, task, "extra.jsonl", extra);
            assertTrue(extraError.contains("extra.jsonl line " + extra.size() + ", id " + outside + ": not in B"), extraError);

            // A label outside [0, 1].
            List<String> outOfRange = new ArrayList<>(lines);
            outOfRange.set(2, "{\"id\":\"" + Json.MAPPER.readTree(lines.get(2)).get("id").asText() + "\",\"label\":1.5}");
            String range = error(e, task, "range.jsonl", outOfRange);
            assertTrue(range.contains("range.jsonl line 3, id ") && range.contains("label 1.5 is outside [0, 1]"), range);

            // Another task's labels: unknown ids, or the same ids with other texts.
            String unknown = error(e, task, "unknown.jsonl", List.of("{\"id\":\"q17\",\"label\":0.2}"));
            assertTrue(unknown.contains("unknown.jsonl line 1, id q17: task words has no document with this id"), unknown);
            ObjectNode row = (ObjectNode) Json.MAPPER.readTree(lines.get(0));
            row.put("text", "a sentence of some other task");
            List<String> otherTask = new ArrayList<>(lines);
            otherTask.set(0, Json.compact(row));
            String other = error(e, task, "other.jsonl", otherTask);
            assertTrue(other.contains("other.jsonl line 1, id " + id0 + ": its text differs") && other.contains("different task"), other);
        }
    }

    private String error(Experiment e, Path task, String name, List<String> lines) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, lines);
        return assertThrows(IllegalArgumentException.class, () -> e.run(config(task, file))).getMessage();
    }
}
