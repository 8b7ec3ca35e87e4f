package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;

/**
 * Issue 24: a K-class task, a preference-pair task, a multiple-choice task and a feature-matrix task with a
 * pretrained weak classifier, each through run, sweep, results and report on the fixtures of
 * scripts/fixtures/items.py; and bad input, each refused with exit status 2, a message naming the place, and nothing
 * written. Expected numbers of the pretrained weak classifier were computed with numpy from the fixture files.
 */
class ItemTasksTest {
    private static final Path R = Path.of("src/test/resources/items").toAbsolutePath();

    @TempDir
    Path dir;

    private HardeningTest.Ran run(String... args) {
        boolean trains = args[0].equals("run") || args[0].equals("sweep");
        List<String> all = new java.util.ArrayList<>(List.of(args));
        if (trains) all.addAll(List.of("--cache", dir.resolve("cache").toString()));
        all.add("-q");
        return HardeningTest.run(all.toArray(String[]::new));
    }

    private static JsonNode metrics(Path out) throws IOException {
        return Json.MAPPER.readTree(out.resolve("metrics.json").toFile());
    }

    private String[] features(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--task", R.resolve("image_labels.jsonl").toString(),
                "--test", R.resolve("image_test.jsonl").toString(), "--features", "strong=" + R.resolve("strong.npy"),
                "--weak-labels", R.resolve("pretrained_weak.jsonl").toString(), "--weak", "alexnet", "--strong", "strong",
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** numpy on image_test.jsonl and pretrained_weak.jsonl: argmax accuracy, macro OvR AUROC, 10-bin ECE, Brier. */
    @Test
    void aFeatureTaskWithAPretrainedWeakClassifierScoresItsGivenPredictions() throws IOException {
        Path out = dir.resolve("features");
        HardeningTest.Ran r = run(features(out));
        assertEquals(0, r.status(), r.err());
        JsonNode m = metrics(out);
        assertEquals(0.65, m.get("weak_accuracy").asDouble(), 1e-12);
        assertEquals(0.8840534607774219, m.get("weak_auroc").asDouble(), 1e-12);
        assertEquals(0.06095394999999994, m.get("weak_ece").asDouble(), 1e-12);
        assertEquals(0.4554624378323375, m.get("weak_brier").asDouble(), 1e-12);
        JsonNode items = m.get("items");
        assertEquals("features", items.get("kind").asText());
        assertEquals(4, items.get("classes").asInt());
        assertTrue(items.get("weak_pretrained").asBoolean());
        assertEquals("[[10,4,3,1],[4,16,2,2],[2,2,14,3],[0,3,2,12]]", Json.compact(items.get("confusion").get("weak")));
        assertEquals(80, m.get("n_test").asInt());
        // The student learns from the given K-vectors: it recovers most of the gap on this fixture.
        assertTrue(m.get("pgr").asDouble() > 0.5, m.toString());
        String labels = Files.readString(out.resolve("weak_labels.jsonl"));
        assertTrue(labels.lines().findFirst().orElseThrow().contains("\"weak_soft_label\":["), labels);
        assertTrue(Files.exists(out.resolve("predictions.parquet")));
    }

    /** The reference's vision setup: a pretrained weak classifier trains nothing, so student and ceiling share B. */
    @Test
    void theVisionPresetTrainsStudentAndCeilingOnEveryTrainingItem() throws IOException {
        Path out = dir.resolve("vision");
        HardeningTest.Ran r = run(features(out, "--preset", "vision"));
        assertEquals(0, r.status(), r.err());
        JsonNode m = metrics(out);
        long trainingItems = Files.lines(R.resolve("image_labels.jsonl")).filter(l -> !l.isBlank()).count();
        assertEquals(0, m.get("n_a").asInt());
        assertEquals(trainingItems, m.get("n_b").asInt());
        assertEquals(0.65, m.get("weak_accuracy").asDouble(), 1e-12);
        JsonNode strong = m.get("config").get("strong").get("train");
        assertEquals(10, strong.get("epochs").asInt(), strong.toString());
        assertEquals(100, strong.get("batch_size").asInt(), strong.toString());
        assertEquals("B", m.get("config").get("ceiling_on").asText());
        // A weak model that is trained (a probe on its own features) still needs A: the halves stay.
        Path halves = dir.resolve("halves");
        r = run("run", "--task", R.resolve("image_labels.jsonl").toString(), "--test",
                R.resolve("image_test.jsonl").toString(), "--features", "strong=" + R.resolve("strong.npy") + ",weak="
                        + R.resolve("strong.npy"), "--weak", "weak", "--strong", "strong", "--preset", "vision", "--out",
                halves.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(trainingItems / 2, metrics(halves).get("n_a").asInt());
    }

    @Test
    void aThreeClassTextTaskAndChoiceTasksRunEndToEnd() throws IOException {
        Path topics = dir.resolve("topics");
        HardeningTest.Ran r = run("run", "--task", R.resolve("topics.jsonl").toString(), "--weak", "bow", "--strong",
                "minilm-l6", "--loss", "logconf", "--out", topics.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode items = metrics(topics).get("items");
        assertEquals("classes", items.get("kind").asText());
        assertEquals("[\"food\",\"sport\",\"weather\"]", Json.compact(items.get("class_names")));
        int total = 0;
        for (JsonNode row : items.get("confusion").get("w2s")) for (JsonNode c : row) total += c.asInt();
        assertEquals(metrics(topics).get("n_test").asInt(), total);

        Path mc = dir.resolve("mc");
        r = run("run", "--task", R.resolve("mc.jsonl").toString(), "--weak", "minilm-l6", "--strong", "bge-small",
                "--out", mc.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode m = metrics(mc);
        assertEquals("choice", m.get("items").get("kind").asText());
        assertEquals("[3,4]", Json.compact(m.get("items").get("candidates")));
        assertTrue(m.get("weak_auroc").isNull(), "choices have no AUROC");
        assertTrue(m.get("weak_pairwise_accuracy").isNull(), "multiple choice is not pairwise");

        Path pairs = dir.resolve("pairs");
        r = run("run", "--task", R.resolve("pairs.jsonl").toString(), "--weak", "minilm-l6", "--strong", "bge-small",
                "--n-train", "60", "--out", pairs.toString());
        assertEquals(0, r.status(), r.err());
        m = metrics(pairs);
        assertEquals("choice", m.get("config").get("kind").asText());
        assertEquals(m.get("w2s_accuracy").asDouble(), m.get("w2s_pairwise_accuracy").asDouble(), 0.0);

        // The openai code's binarised reading stays available.
        Path binary = dir.resolve("binary");
        r = run("run", "--task", R.resolve("pairs.jsonl").toString(), "--weak", "bow", "--strong", "minilm-l6",
                "--pairs", "binary", "--n-train", "60", "--out", binary.toString());
        assertEquals(0, r.status(), r.err());
        assertNull(metrics(binary).get("items"));
        assertFalse(metrics(binary).get("config").has("kind"));

        // results and report read the runs of every kind together.
        r = run("results", dir.toString(), "--include-flagged");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("topics") && r.out().contains("mc"), r.out());
        r = run("report", dir.toString(), "--out", dir.resolve("report.html").toString());
        assertEquals(0, r.status(), r.err());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("K classes and choices") && html.contains("class=\"confusion\""), "report");
        assertTrue(html.contains("id=\"w2s-confusion\""));
    }

    @Test
    void aFeatureSweepThenResultsAndReport() throws IOException {
        Path file = dir.resolve("sweep.yaml");
        Files.writeString(file, "tasks:\n  - {task: " + R.resolve("image_labels.jsonl") + ", test: "
                + R.resolve("image_test.jsonl") + "}\nfeatures: weak=" + R.resolve("weak.npy") + ",strong="
                + R.resolve("strong.npy") + "\nweak: [weak]\nstrong: [strong]\nlosses: [xent, logconf]\nseeds: 2\n");
        Path out = dir.resolve("sweep");
        HardeningTest.Ran r = run("sweep", file.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("4 cells"), r.out());
        r = run("results", out.toString(), "--include-flagged");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("image_labels") && r.out().contains("logconf"), r.out());
        r = run("report", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.readString(out.resolve("report.html")).contains("class=\"confusion\""));
    }

    private void refused(String message, String... args) {
        Path out = dir.resolve("refused");
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--out";
        all[args.length + 1] = out.toString();
        HardeningTest.Ran r = run(all);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    private Path write(String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    @Test
    void badInputIsRefusedNamingThePlace() throws IOException {
        // Labels: outside 0..K−1 in the test file, K different between the files (names).
        Path train = write("k.jsonl", "{\"text\": \"a b\", \"label\": 0}", "{\"text\": \"c d\", \"label\": 2}",
                "{\"text\": \"e f\", \"label\": 1}");
        Path test = write("k_test.jsonl", "{\"text\": \"g h\", \"label\": 3}");
        refused("k_test.jsonl:1: column 'label': class 3 is outside 0..2", "run", "--task", train.toString(), "--test",
                test.toString());
        Path named = write("n.jsonl", "{\"text\": \"a\", \"label\": \"cat\"}", "{\"text\": \"b\", \"label\": \"dog\"}",
                "{\"text\": \"c\", \"label\": \"bird\"}");
        Path namedTest = write("n_test.jsonl", "{\"text\": \"d\", \"label\": \"cow\"}");
        refused("class 'cow' is not among the 3 classes", "run", "--task", named.toString(), "--test",
                namedTest.toString());
        // Choices: fewer than two candidates; an answer not among them.
        refused("q2 has 1 candidate; a choice item needs at least two", "run", "--task", write("mc1.jsonl",
                "{\"id\": \"q1\", \"question\": \"?\", \"choices\": [\"a\", \"b\"], \"answer\": 0}",
                "{\"id\": \"q2\", \"question\": \"?\", \"choices\": [\"a\"], \"answer\": 0}").toString(),
                "--weak", "minilm-l6");
        refused("answer 'z' is not among its choices", "run", "--task", write("mc2.jsonl",
                "{\"id\": \"q1\", \"question\": \"?\", \"choices\": [\"a\", \"b\"], \"answer\": \"z\"}").toString(),
                "--weak", "minilm-l6");
        refused("mc3.jsonl:1: column 'answer': item q1: answer 5 is not among its 2 choices", "run", "--task",
                write("mc3.jsonl", "{\"id\": \"q1\", \"question\": \"?\", \"choices\": [\"a\", \"b\"], \"answer\": 5}")
                        .toString(), "--weak", "minilm-l6");
        // Feature files: ids that do not match, vectors of different lengths, NaN.
        Path labels = write("labels.jsonl", "{\"id\": \"x1\", \"label\": 0}", "{\"id\": \"x2\", \"label\": 1}",
                "{\"id\": \"x3\", \"label\": 0}", "{\"id\": \"x4\", \"label\": 1}");
        Path missing = write("missing.jsonl", "{\"id\": \"x1\", \"vector\": [1, 2]}", "{\"id\": \"x2\", \"vector\": [1, 2]}",
                "{\"id\": \"x3\", \"vector\": [1, 2]}", "{\"id\": \"x9\", \"vector\": [1, 2]}");
        refused("missing.jsonl: no vector for id 'x4'", "run", "--task", labels.toString(), "--features",
                "a=" + missing, "--weak", "a", "--strong", "a");
        Path ragged = write("ragged.jsonl", "{\"id\": \"x1\", \"vector\": [1, 2]}", "{\"id\": \"x2\", \"vector\": [1]}",
                "{\"id\": \"x3\", \"vector\": [1, 2]}", "{\"id\": \"x4\", \"vector\": [1, 2]}");
        refused("ragged.jsonl: id 'x2' has a vector of length 1", "run", "--task", labels.toString(), "--features",
                "a=" + ragged, "--weak", "a", "--strong", "a");
        Path nan = write("nan.jsonl", "{\"id\": \"x1\", \"vector\": [1, 2]}", "{\"id\": \"x2\", \"vector\": [1, \"NaN\"]}",
                "{\"id\": \"x3\", \"vector\": [1, 2]}", "{\"id\": \"x4\", \"vector\": [1, 2]}");
        refused("nan.jsonl:2: column 'vector': id 'x2': element 1 is NaN", "run", "--task", labels.toString(),
                "--features", "a=" + nan, "--weak", "a", "--strong", "a");
        Path npy = dir.resolve("short.npy");
        w2s.data.FeatureFiles.writeNpy(npy, new float[][] {{1, 2}, {3, 4}});
        refused("short.npy: 2 rows for 4 ids", "run", "--task", labels.toString(), "--features", "a=" + npy,
                "--weak", "a", "--strong", "a");
        // --weak-labels: vectors that do not sum to 1, or of the wrong K.
        String[] base = {"--task", R.resolve("image_labels.jsonl").toString(), "--test",
                R.resolve("image_test.jsonl").toString(), "--features", "strong=" + R.resolve("strong.npy"), "--weak",
                "alexnet", "--strong", "strong"};
        Path sum = write("sum.jsonl", "{\"id\": \"img0000\", \"probs\": [0.5, 0.5, 0.5, 0.0]}");
        refused("sum.jsonl:1: field 'probs': id img0000: the probabilities sum to 1.5", concat(base, "--weak-labels",
                sum.toString()));
        Path wrongK = write("k3.jsonl", "{\"id\": \"img0000\", \"probs\": [0.5, 0.25, 0.25]}");
        refused("k3.jsonl:1: field 'probs': id img0000: 3 probabilities, but the task has K = 4 classes",
                concat(base, "--weak-labels", wrongK.toString()));
    }

    private static String[] concat(String[] base, String... more) {
        String[] all = new String[base.length + more.length + 1];
        all[0] = "run";
        System.arraycopy(base, 0, all, 1, base.length);
        System.arraycopy(more, 0, all, base.length + 1, more.length);
        return all;
    }
}
