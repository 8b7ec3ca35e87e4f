package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.experiment.ExperimentConfig;

class SweepPlanTest {
    @TempDir
    Path dir;

    private List<ExperimentConfig> plan(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return SweepPlan.read(f);
    }

    @Test
    void modelsExpandToPairsOrderedBySizeTimesEveryAxis() throws Exception {
        List<ExperimentConfig> cells = plan("s.yaml", "tasks: [grammar]\nmodels: [bge-small, bow, minilm-l6]\n"
                + "losses: [xent, logconf, product]\nseeds: 3\nn-train: 300\nbalance: true\nepochs: 1\n");
        assertEquals(6 * 3 * 3, cells.size());
        Set<String> pairs = cells.stream().map(c -> c.weak().name() + ">" + c.strong().name()).collect(Collectors.toSet());
        assertEquals(Set.of("bow>bow", "bow>minilm-l6", "bow>bge-small", "minilm-l6>minilm-l6", "minilm-l6>bge-small",
                "bge-small>bge-small"), pairs);
        ExperimentConfig c = cells.get(0);
        assertTrue(c.split().balance());
        assertEquals(w2s.data.SplitSize.exactly(300), c.split().nTrain(), "a size in a sweep file is given");
        assertEquals(Set.of(0L, 1L, 2L), cells.stream().map(ExperimentConfig::seed).collect(Collectors.toSet()));
    }

    @Test
    void chainsAndListValuedOptionsAreAxes() throws Exception {
        List<ExperimentConfig> cells = plan("s.json", "{\"task\": \"grammar\", \"chain\": [[\"bow\", \"minilm-l6\", "
                + "\"bge-small\"], [\"bow\", \"bge-small\"]], \"s2s\": [0, 2], \"early-stop\": true}");
        assertEquals(4, cells.size());
        assertEquals(List.of("minilm-l6"), cells.get(0).via().stream().map(m -> m.name()).toList());
        assertEquals("bge-small", cells.get(0).strong().name());
        assertTrue(cells.stream().allMatch(c -> c.earlyStop() != null));
        assertEquals(Set.of(0, 2), cells.stream().map(ExperimentConfig::s2s).collect(Collectors.toSet()));
    }

    @Test
    void cellsThatDifferOnlyInAnAxisSayWhichValueTheyHold() throws Exception {
        List<ExperimentConfig> cells = plan("s.yaml", "tasks: [grammar]\nweak: bow\nstrong: minilm-l6\n"
                + "losses: [xent]\nepochs: [1, 4]\nseeds: 1\n");
        assertEquals(List.of("grammar bow->minilm-l6 xent seed 0  strong.train.epochs=1",
                "grammar bow->minilm-l6 xent seed 0  strong.train.epochs=4"), w2s.sweep.Sweep.describe(cells));
        assertEquals(List.of("grammar bow->minilm-l6 xent seed 0"), w2s.sweep.Sweep.describe(cells.subList(0, 1)),
                "a lone cell needs nothing more");
    }

    @Test
    void unknownOptionsAndModelsAreRejectedBeforeAnythingRuns() {
        assertThrows(IllegalArgumentException.class, () -> plan("a.yaml", "task: grammar\nmodels: [bow]\nlr-typo: 1\n"));
        assertThrows(IllegalArgumentException.class, () -> plan("b.yaml", "task: grammar\nmodels: [bow, gpt9]\n"));
        assertThrows(IllegalArgumentException.class, () -> plan("c.yaml", "task: grammar\nlosses: [xent]\n"));
    }

    /** Issue 13, item 3: sweep files that used to run the wrong grid, or none. */
    private String refusal(String name, String text) {
        return assertThrows(IllegalArgumentException.class, () -> plan(name, text)).getMessage();
    }

    @Test
    void aKeyGivenTwiceIsRefusedNamingIt() {
        String m = refusal("d.yaml", "task: grammar\nmodels: [bow]\nlosses: [xent]\nlosses: [logconf]\n");
        assertTrue(m.contains("'losses'"), m);
        m = refusal("d.json", "{\"task\": \"grammar\", \"models\": [\"bow\"], \"seed\": 1, \"seed\": 2}");
        assertTrue(m.contains("'seed'"), m);
        m = refusal("p.yaml", "task: grammar\nmodels: [bow]\nseed: 1\nseeds: 2\n");
        assertTrue(m.contains("'seeds' given twice"), m);
    }

    @Test
    void anEmptyAxisOrAGridWithoutPairsIsRefused() {
        String m = refusal("e.yaml", "task: grammar\nmodels: [bow]\nlosses: []\n");
        assertTrue(m.contains("'losses' is an empty list"), m);
        m = refusal("f.yaml", "task: grammar\nmodels: []\n");
        assertTrue(m.contains("'models' is an empty list"), m);
        m = refusal("g.yaml", "task: grammar\nweak: [bge-small]\nstrong: [bow]\n");
        assertTrue(m.contains("no weak–strong pair"), m);
        m = refusal("h.yaml", "task: grammar\nmodels: [bow]\nseeds: 0\n");
        assertTrue(m.contains("'seeds' must be at least 1"), m);
    }

    @Test
    void taskEntriesPairEachTaskWithItsOwnData() throws Exception {
        List<ExperimentConfig> cells = plan("t.yaml", "tasks:\n  - {task: sst2, data: a/}\n  - {task: boolq, data: b/}\n"
                + "  - grammar\nmodels: [bow]\nseeds: 2\n");
        assertEquals(6, cells.size());
        assertEquals(Set.of("sst2 a/", "boolq b/", "grammar null"),
                cells.stream().map(c -> c.task() + " " + c.data()).collect(Collectors.toSet()));
        String m = refusal("u.yaml", "tasks:\n  - {data: a/}\nmodels: [bow]\n");
        assertTrue(m.contains("'tasks' entry needs task"), m);
        m = refusal("v.yaml", "tasks:\n  - {task: sst2, dta: a/}\nmodels: [bow]\n");
        assertTrue(m.contains("not 'dta'"), m);
        m = refusal("w.yaml", "task: grammar\nmodels: [bow]\nlosses: [{name: xent}]\n");
        assertTrue(m.contains("'losses' takes values, not a mapping"), m);
        m = refusal("x.yaml", "task: grammar\nmodels: [bow]\nlosses: [[xent]]\n");
        assertTrue(m.contains("'losses' takes a value or a list of values"), m);
    }

    @Test
    void theBenchmarksSmallSweepNeedsNoGeneratedFile() throws Exception {
        List<ExperimentConfig> cells = SweepPlan.read(Path.of("bench/sweep-small.yaml"));
        assertEquals(72, cells.size());
        for (ExperimentConfig c : cells) assertTrue(w2s.data.Tasks.builtin().stream().anyMatch(b -> b.name().equals(c.task())), c.task());
    }
}
