package w2s.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summary aggregates as the paper's notebook does, leaves out flagged runs, and never merges different settings. */
class SummaryTest {
    @TempDir
    Path dir;

    /** A run with the given accuracies; AUROC is accuracy + 0.1 throughout, and no setting but the models. */
    private static Summary.Run run(String weak, String strong, long seed, double w, double s, double c, String flags,
                                   Map<String, String> settings) {
        Map<String, String> all = new java.util.TreeMap<>(settings);
        all.put("weak.name", weak);
        all.put("strong.name", strong);
        return new Summary.Run("t", "xent", weak, strong, seed, w, s, c, w + 0.1, s + 0.1, c + 0.1,
                flags == null ? null : flags.isEmpty() ? List.of() : List.of(flags.split(",")), all);
    }

    private static List<Summary.Run> sweep() {
        List<Summary.Run> runs = new ArrayList<>();
        // bow -> minilm-l6: weak 0.6 / 0.7 and ceiling 0.9 / 0.8 over two seeds, averaging 0.65 and 0.85. Against the
        // averages the students' PGRs are 0.25 and 0.5; per seed they would be 0.33 and 0.5.
        runs.add(run("bow", "minilm-l6", 0, 0.6, 0.70, 0.9, "", Map.of()));
        runs.add(run("bow", "minilm-l6", 1, 0.7, 0.75, 0.8, "", Map.of()));
        // bow -> bge-small: averages 0.6 and 0.8; PGRs 0.8 and 1.0.
        runs.add(run("bow", "bge-small", 0, 0.6, 0.76, 0.8, "", Map.of()));
        runs.add(run("bow", "bge-small", 1, 0.6, 0.80, 0.8, "", Map.of()));
        // Left out: a same-model pair, a pair whose averaged ceiling is below its weak model, a flagged run.
        runs.add(run("bge-small", "bge-small", 0, 0.7, 0.75, 0.8, "", Map.of()));
        runs.add(run("minilm-l6", "bge-small", 0, 0.8, 0.7, 0.75, "", Map.of()));
        runs.add(run("minilm-l6", "bge-small", 1, 0.8, 0.7, 0.83, "", Map.of()));
        runs.add(run("bow", "e5-small", 0, 0.6, 0.9, 0.61, "gap_within_noise", Map.of()));
        return runs;
    }

    @Test
    void medianOfRunsAgainstSeedAveragedWeakAndCeiling() {
        Summary.Report report = Summary.summarize(sweep(), false);
        assertEquals(List.of("task", "loss"), report.groupedBy());
        assertEquals(1, report.lines().size());
        Summary.Line line = report.lines().get(0);
        assertEquals(2, line.pairs());
        assertEquals(2, line.seeds());
        assertEquals(4, line.runs());
        assertEquals((0.5 + 0.8) / 2, line.median(), 1e-12); // median of 0.25, 0.5, 0.8, 1.0
        // AUROC is accuracy + 0.1 for every model: the same gaps, the same PGRs.
        assertEquals(line.median(), line.aurocMedian(), 1e-12);
        assertTrue(line.lo() <= line.median() && line.median() <= line.hi(), line.toString());
        assertEquals(8, report.total());
        assertEquals(List.of(Summary.SAME_MODEL, Summary.FLAGGED, Summary.CEILING_NOT_ABOVE_WEAK),
                List.copyOf(report.leftOut().keySet()));
        assertEquals(Map.of(Summary.FLAGGED, 1, Summary.SAME_MODEL, 1, Summary.CEILING_NOT_ABOVE_WEAK, 2),
                report.leftOut());
        assertEquals(Map.of("gap_within_noise", 1), report.flagCounts());
        assertEquals(Summary.summarize(sweep(), false), report, "the bootstrap over seeds is seeded");
    }

    @Test
    void aProbeSupervisingItsOwnModelFineTunedIsAPairNotTheSameModel() {
        List<Summary.Run> runs = List.of(
                run("minilm-l6", "minilm-l6", 0, 0.6, 0.7, 0.8, "", Map.of("weak.mode", "probe", "strong.mode", "finetune")),
                run("minilm-l6", "minilm-l6", 0, 0.6, 0.7, 0.8, "", Map.of("weak.mode", "probe", "strong.mode", "probe")));
        Summary.Report report = Summary.summarize(runs, false);
        assertEquals(Map.of(Summary.SAME_MODEL, 1), report.leftOut());
        assertEquals(1, report.lines().get(0).runs());
        assertEquals(0.5, report.lines().get(0).median(), 1e-12);
    }

    @Test
    void flaggedRunsCountOnlyWhenAskedFor() {
        Summary.Report report = Summary.summarize(sweep(), true);
        Summary.Line line = report.lines().get(0);
        assertEquals(3, line.pairs());
        assertEquals(5, line.runs());
        assertEquals(0.8, line.median(), 1e-12); // 0.25, 0.5, 0.8, 1.0 and the flagged run's 30.0
        assertEquals(Map.of(Summary.SAME_MODEL, 1, Summary.CEILING_NOT_ABOVE_WEAK, 2), report.leftOut());
    }

    @Test
    void everySettingThatDiffersSplitsTheSummaryButPerModelDefaultsDoNot() {
        List<Summary.Run> runs = new ArrayList<>();
        for (long seed = 0; seed < 2; seed++) {
            // Each strong model has its own layer: a property of the model, not a different experiment.
            runs.add(run("bow", "minilm-l6", seed, 0.6, 0.7, 0.8, "",
                    Map.of("strong.layer", "middle", "strong.train.lr", "0.001")));
            runs.add(run("bow", "bge-small", seed, 0.6, 0.7, 0.8, "",
                    Map.of("strong.layer", "last", "strong.train.lr", "0.001")));
            // The same pair again with another learning rate and with early stopping: two more experiments.
            runs.add(run("bow", "minilm-l6", seed, 0.6, 0.75, 0.8, "",
                    Map.of("strong.layer", "middle", "strong.train.lr", "0.0001")));
            runs.add(run("bow", "minilm-l6", seed, 0.6, 0.65, 0.8, "",
                    Map.of("strong.layer", "middle", "strong.train.lr", "0.001", "early_stop.every", "5")));
        }
        Summary.Report report = Summary.summarize(runs, false);
        assertEquals(List.of("task", "loss", "early_stop.every", "strong.train.lr"), report.groupedBy());
        assertEquals(List.of("strong.layer"), report.modelSettings());
        assertEquals(3, report.lines().size());
        List<String> variants = report.lines().stream().map(Summary.Line::variant).toList();
        assertEquals(List.of("early_stop.every=- strong.train.lr=0.0001", "early_stop.every=- strong.train.lr=0.001",
                "early_stop.every=5 strong.train.lr=0.001"), variants);
        double[] medians = {0.75, 0.5, 0.25};
        for (int i = 0; i < 3; i++) assertEquals(medians[i], report.lines().get(i).median(), 1e-12);
        assertEquals(2, report.lines().get(1).pairs());
    }

    @Test
    void oneSeedGivesNoInterval() {
        Summary.Line line = Summary.summarize(sweep().subList(0, 1), false).lines().get(0);
        assertEquals(1.0 / 3, line.median(), 1e-12);
        assertTrue(Double.isNaN(line.lo()) && Double.isNaN(line.hi()), "resampling one seed says nothing: " + line);
    }

    @Test
    void settingsComeFromTheStoredConfigurationWithoutSeedsNullsOrEvaluationCadence() {
        Map<String, String> s = Summary.settings("{\"task\":\"grammar\",\"loss\":\"xent\",\"repair\":null,"
                + "\"split\":{\"seed\":3,\"n_train\":600},\"strong\":{\"name\":\"minilm-l6\",\"train\":{\"seed\":0,"
                + "\"lr\":0.001,\"eval_every\":10}},\"via\":[{\"name\":\"bow\"}]}");
        assertEquals(Map.of("loss", "xent", "split.n_train", "600", "strong.name", "minilm-l6",
                "strong.train.lr", "0.001", "via[0].name", "bow"), s);
    }

    @Test
    void readsTheStoreIncludingRowsStoredBeforeFlagsExisted() throws Exception {
        Path file = dir.resolve("r.duckdb");
        ResultStore.open(file).close();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            String cols = "INSERT INTO runs (cell_key, task, loss, weak, strong, seed, weak_acc, w2s_acc, ceiling_acc, "
                    + "flags, config_json) VALUES ";
            s.execute(cols + "('1','t','xent','bow','minilm-l6',0,0.6,0.7,0.8,'','{\"loss\":\"xent\"}'),"
                    + "('2','t','xent','bow','minilm-l6',1,0.6,0.8,0.8,NULL,NULL),"
                    + "('3','t','xent','bow','minilm-l6',2,0.6,0.6,0.61,'gap_within_noise,w2s_one_class',NULL)");
        }
        try (Results store = Results.open(file)) {
            Summary.Report report = Summary.summarize(store, false);
            assertEquals(1, report.lines().size());
            assertEquals(2, report.lines().get(0).runs());
            assertEquals(0.75, report.lines().get(0).median(), 1e-12);
            assertTrue(Double.isNaN(report.lines().get(0).aurocMedian()), "no AUROC stored, none reported");
            assertEquals(1, report.unchecked());
            assertEquals(Map.of("gap_within_noise", 1, "w2s_one_class", 1), report.flagCounts());
            assertEquals(report.lines(), Summary.medianPgr(store));
        }
    }
}
