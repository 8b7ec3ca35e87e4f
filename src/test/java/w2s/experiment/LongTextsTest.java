package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.base.Json;
import w2s.data.Example;
import w2s.data.Provenance;
import w2s.data.SplitConfig;
import w2s.data.Task;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/** --long-texts drop removes documents over the strong model's token limit before the split and counts them. */
class LongTextsTest {
    @TempDir
    Path dir;

    private static final String LONG = "A passage that goes on and on about the weather, which was unusually warm for "
            + "the season, and then the question at the very end of it all?";

    @Test
    void dropRemovesLongDocumentsAndCountsThem() {
        Task task = new Task("t", List.of(new Example("a", "Short.", 0), new Example("b", LONG, 1),
                new Example("c", "Also short.", 1)), List.of(new Example("d", LONG, 0), new Example("e", "Fine.", 1)),
                new Provenance("test", "here", "none", "0", Map.of()));
        LongTexts.Result r = LongTexts.drop(task, "minilm-l6", 16);
        assertEquals(new LongTexts.Dropped(1, 1), r.dropped());
        assertEquals(List.of("a", "c"), r.task().train().stream().map(Example::id).toList());
        assertEquals(List.of("e"), r.task().test().stream().map(Example::id).toList());
        assertEquals(new LongTexts.Dropped(0, 0), LongTexts.drop(task, "minilm-l6", 256).dropped());
    }

    @Test
    void badValuesNameTheOptionAndTheDefaultLeavesTheConfigAsItWas() {
        String error = assertThrows(IllegalArgumentException.class, () -> LongTexts.parse("cut")).getMessage();
        assertTrue(error.contains("--long-texts") && error.contains("truncate, drop"), error);
        assertNull(LongTexts.parse("truncate"));
        ExperimentConfig plain = new ExperimentConfig("grammar", new SplitConfig(7, 240, 120, true),
                Models.defaults("bow", "scratch"), Models.defaults("minilm-l6", "probe"), "xent", "A");
        assertFalse(Json.compact(plain).contains("long_texts"), Json.compact(plain));
    }

    @Test
    void aRunWithDropCountsWhatWasDroppedAndKeysItsCellApart() {
        ModelConfig p = Models.defaults("minilm-l6", "probe");
        ModelConfig strong = new ModelConfig(p.name(), p.mode(), p.layer(), p.pooling(), 12, p.head(), p.train(),
                p.freezeLayers());
        ExperimentConfig base = new ExperimentConfig("grammar", new SplitConfig(7, 200, 100, false),
                Models.defaults("bow", "scratch"), strong, "xent", "A");
        ExperimentConfig drop = new ExperimentConfig(base.task(), base.data(), base.testFile(), base.split(),
                base.weak(), base.strong(), base.loss(), base.ceilingOn(), base.repair(), base.via(), base.s2s(),
                base.earlyStop(), base.calibrate(), null, null, null, "drop");
        try (Experiment experiment = new Experiment(dir.resolve("cache"))) {
            assertFalse(experiment.cellKey(base).equals(experiment.cellKey(drop)));
            RunResult r = experiment.run(drop).result();
            LongTexts.Dropped d = r.droppedLongTexts();
            assertTrue(d.train() + d.test() > 0, "grammar has sentences over 12 tokens: " + d);
            assertEquals("drop", r.config().longTexts());
            String json = Json.compact(r);
            assertTrue(json.contains("\"dropped_long_texts\":{\"train\":" + d.train()), json.substring(0, 200));
            assertTrue(json.contains("\"long_texts\":\"drop\""));
        }
    }
}
