package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.data.SplitConfig;
import w2s.zoo.Models;

/** Issue 13, item 1: a damaged stage entry or cached result is reported, naming its file, and recomputed. */
class StageCacheTest {
    @TempDir
    Path dir;

    record Labels(double[] labels) {}

    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aChangedDigitIsAChecksumMismatchNamingTheFile() throws Exception {
        StageCache cache = new StageCache(dir);
        cache.put("k", new Labels(new double[] {0.25, 0.75}));
        Path file = dir.resolve("stages/k.json");
        Files.writeString(file, Files.readString(file).replace("0.75", "0.65"));
        String err = stderrOf(() -> assertTrue(cache.get("k", Labels.class).isEmpty()));
        assertTrue(err.contains(file.toString()) && err.contains("checksum mismatch"), err);
        // Recomputed and stored again whole.
        Labels again = cache.computeIfAbsent("k", Labels.class, () -> new Labels(new double[] {0.25, 0.75}));
        assertEquals(0.75, again.labels()[1]);
        assertEquals(0.75, cache.get("k", Labels.class).orElseThrow().labels()[1]);
    }

    @Test
    void aNullValueIsABadEntryNotACrash() throws Exception {
        StageCache cache = new StageCache(dir);
        Files.createDirectories(dir.resolve("stages"));
        Path file = dir.resolve("stages/k.json");
        Files.writeString(file, "{\"key\":\"k\",\"sha256\":\"00\",\"value\":null}");
        String err = stderrOf(() -> assertTrue(cache.get("k", Labels.class).isEmpty()));
        assertTrue(err.contains(file.toString()) && err.contains("null"), err);
    }

    @Test
    void aValueFailingTheCallersCheckIsRecomputed() {
        StageCache cache = new StageCache(dir);
        cache.put("k", new Labels(new double[] {0.5, Double.NaN}));
        int[] computed = {0};
        String err = stderrOf(() -> cache.computeIfAbsent("k", Labels.class,
                v -> Experiment.probabilities(List.of("labels"), List.of(v.labels()), List.of(3)),
                () -> new Labels(new double[] {0.1, 0.2, 0.3 + computed[0]++})));
        assertEquals(1, computed[0]);
        assertTrue(err.contains(dir.resolve("stages/k.json").toString()) && err.contains("labels has 2 values for 3"), err);
        assertTrue(Experiment.probabilities(List.of("labels"), List.of(new double[] {0.5, Double.NaN}), List.of(2))
                .contains("labels[1] is NaN"));
    }

    /** The reproduction: one digit of a weak label changed in a stage entry used to change the run's PGR silently. */
    @Test
    void aTamperedWeakLabelDoesNotChangeTheResult() throws Exception {
        Path cache = dir.resolve("cache");
        ExperimentConfig config = new ExperimentConfig("grammar", new SplitConfig(7, 240, 120, true),
                Models.defaults("bow", "scratch"), Models.defaults("minilm-l6", "probe"), "xent", "A");
        RunResult first;
        try (Experiment experiment = new Experiment(cache)) {
            first = experiment.run(config).result();
        }
        Path weakEntry = null;
        try (Stream<Path> files = Files.list(cache.resolve("stages"))) {
            // Both models trained with ground truth keep their predictions on B; the weak one is bow's (fp64).
            for (Path f : files.toList()) {
                String t = Files.readString(f);
                if (t.contains("labels_b") && t.contains("fp64")) weakEntry = f;
            }
        }
        String text = Files.readString(weakEntry);
        Matcher m = Pattern.compile("\"labels_b\":\\[0\\.(\\d)").matcher(text);
        assertTrue(m.find(), text.substring(0, 200));
        char digit = m.group(1).charAt(0);
        Files.writeString(weakEntry, text.substring(0, m.start(1)) + (char) (digit == '9' ? '1' : digit + 1)
                + text.substring(m.end(1)));
        Path damaged = weakEntry;
        RunResult[] second = new RunResult[1];
        String err = stderrOf(() -> {
            try (Experiment experiment = new Experiment(cache)) {
                second[0] = experiment.run(config).result();
            }
        });
        assertTrue(err.contains(damaged.toString()) && err.contains("checksum mismatch"), err);
        assertEquals(first.pgr(), second[0].pgr());
        assertEquals(first.w2sAccuracy(), second[0].w2sAccuracy());
    }

    /**
     * Issue 23, item 3: how often training is watched changes no model, so it enters no key: a run asking for a curve
     * (any cadence, or the default) has the cell key and stage keys of one without, and those are the keys they had
     * before the cadence was taken out (the bytes hashed are the configuration's JSON with eval_every 0).
     */
    @Test
    void theEvaluationCadenceEntersNoKey() throws Exception {
        ExperimentConfig never = new ExperimentConfig("grammar", new SplitConfig(3, 400, 150, false),
                Models.defaults("bow", "probe"), Models.defaults("bow", "probe"), "xent", "A");
        never = withCadence(never, 0);
        String key = Experiment.cellKey(never, "abc");
        for (int every : new int[] {w2s.train.TrainConfig.EVAL_AUTO, 1, 7}) {
            assertEquals(key, Experiment.cellKey(withCadence(never, every), "abc"), "eval_every " + every);
        }
        java.util.Map<String, Object> inputs = new java.util.LinkedHashMap<>();
        inputs.put("stage", "cell");
        inputs.put("data_sha256", "abc");
        inputs.put("config", never);
        byte[] before = (StageCache.VERSION + "\n" + w2s.base.Json.compact(inputs)).getBytes(StandardCharsets.UTF_8);
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(before)),
                key, "a run without a curve keeps the key it had");
    }

    private static ExperimentConfig withCadence(ExperimentConfig c, int every) {
        return new ExperimentConfig(c.task(), c.split(), c.weak().withTrain(c.weak().train().withEvalEvery(every)),
                c.strong().withTrain(c.strong().train().withEvalEvery(every)), c.loss(), c.ceilingOn());
    }
}
