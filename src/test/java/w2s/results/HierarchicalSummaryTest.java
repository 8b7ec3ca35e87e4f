package w2s.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import w2s.metrics.Metrics;

/**
 * The summary's interval resamples seeds and test documents together. The fixture (hierarchical_fixture.csv, written
 * by hierarchical_fixture.py beside it) is one weak–strong pair over 3 seeds scored on the same 1,000 test documents;
 * the expected intervals come from hierarchical_expected.py, an independent numpy implementation run with 20,000
 * resamples (the summary uses 1,000, hence the tolerance: about 4 Monte Carlo standard errors of a 2.5% quantile).
 */
class HierarchicalSummaryTest {
    private static final double MONTE_CARLO = 0.04;

    /** seed → rows of the fixture, sorted by id. */
    private static Map<Long, List<TestDocs.Row>> fixture() throws IOException {
        Map<Long, List<TestDocs.Row>> out = new TreeMap<>();
        try (InputStream in = HierarchicalSummaryTest.class.getResourceAsStream("hierarchical_fixture.csv")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1).toList();
            for (String l : lines) {
                String[] f = l.split(",");
                out.computeIfAbsent(Long.parseLong(f[0]), s -> new ArrayList<>()).add(new TestDocs.Row(f[1],
                        Integer.parseInt(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                        Double.parseDouble(f[5])));
            }
        }
        return out;
    }

    /**
     * The fixture's runs on its first n test documents: metrics computed from the predictions, as a run computes them,
     * and with the predictions attached unless seedsOnly.
     */
    private static List<Summary.Run> runs(int n, boolean seedsOnly) throws IOException {
        Map<String, List<TestDocs.Row>> perRun = new LinkedHashMap<>();
        fixture().forEach((seed, rows) -> perRun.put("seed" + seed, rows.subList(0, n)));
        Map<String, TestDocs.Scored> scored = TestDocs.of(perRun);
        List<Summary.Run> runs = new ArrayList<>();
        perRun.forEach((key, rows) -> {
            int[] labels = rows.stream().mapToInt(TestDocs.Row::label).toArray();
            double[] m = new double[6];
            int k = 0;
            for (java.util.function.ToDoubleFunction<TestDocs.Row> p : List.<java.util.function.ToDoubleFunction<TestDocs.Row>>of(
                    TestDocs.Row::weak, TestDocs.Row::student, TestDocs.Row::ceiling)) {
                double[][] probs = rows.stream().map(r -> new double[] {1 - p.applyAsDouble(r), p.applyAsDouble(r)})
                        .toArray(double[][]::new);
                m[k] = Metrics.accuracy(probs, labels);
                m[k + 3] = Metrics.auroc(probs, labels);
                k++;
            }
            runs.add(new Summary.Run("t", "xent", "minilm-l6", "bge-small", Long.parseLong(key.substring(4)), m[0],
                    m[1], m[2], m[3], m[4], m[5], List.of(), Map.of("weak.name", "minilm-l6", "strong.name",
                    "bge-small"), seedsOnly ? null : scored.get(key)));
        });
        return runs;
    }

    private static Summary.Line line(List<Summary.Run> runs) {
        Summary.Report report = Summary.summarize(runs, false);
        assertEquals(1, report.lines().size(), report.toString());
        return report.lines().get(0);
    }

    @Test
    void runsScoredOnTheSameDocumentsShareOneTestSet() throws IOException {
        List<Summary.Run> runs = runs(1000, false);
        assertSame(runs.get(0).test().set(), runs.get(2).test().set(), "one draw of documents for every run");
        // Counts of one per document score exactly what the run reported.
        int[] ones = new int[1000];
        java.util.Arrays.fill(ones, 1);
        for (Summary.Run r : runs) {
            assertEquals(r.weakAcc(), r.test().weak().accuracy(ones, 1000), 1e-12);
            assertEquals(r.ceilingAuroc(), r.test().ceiling().auroc(ones), 1e-12);
        }
    }

    @Test
    void theIntervalMatchesAnIndependentHierarchicalBootstrap() throws IOException {
        Summary.Line l = line(runs(1000, false));
        assertEquals(Summary.SEEDS_AND_DOCS, l.interval());
        // hierarchical_expected.py: median 0.6156, joint [0.375, 0.860]; seeds only [0.484, 0.782].
        assertEquals(0.6155988857938717, l.median(), 1e-12);
        assertEquals(0.3746, l.lo(), MONTE_CARLO, l.toString());
        assertEquals(0.8598, l.hi(), MONTE_CARLO, l.toString());
        Summary.Line seeds = line(runs(1000, true));
        assertEquals(Summary.SEEDS_ONLY, seeds.interval());
        assertEquals(0.4839, seeds.lo(), MONTE_CARLO, seeds.toString());
        assertEquals(0.7819, seeds.hi(), MONTE_CARLO, seeds.toString());
        assertTrue(l.hi() - l.lo() > 1.4 * (seeds.hi() - seeds.lo()), "test-set noise widens it: " + l + " vs " + seeds);
        assertEquals(l, line(runs(1000, false)), "seeded: the same interval every time");
    }

    @Test
    void intervalsWidenAsTheTestSetShrinks() throws IOException {
        Summary.Line large = line(runs(1000, false));
        Summary.Line small = line(runs(150, false));
        // hierarchical_expected.py on the first 150 documents: median 0.5507, [0.189, 0.944].
        assertEquals(0.5507246376811594, small.median(), 1e-12);
        assertEquals(0.1892, small.lo(), MONTE_CARLO, small.toString());
        assertEquals(0.9444, small.hi(), MONTE_CARLO, small.toString());
        assertTrue(small.hi() - small.lo() > 1.5 * (large.hi() - large.lo()), small + " vs " + large);
        // The AUROC interval resamples the same documents and widens too.
        assertTrue(small.aurocHi() - small.aurocLo() > large.aurocHi() - large.aurocLo(), small + " vs " + large);
    }

    @Test
    void oneSeedWithPredictionsSaysItResamplesDocumentsOnly() throws IOException {
        Summary.Line one = line(runs(1000, false).subList(0, 1));
        assertEquals(Summary.DOCS_ONLY, one.interval());
        assertTrue(one.lo() < one.median() && one.median() < one.hi(), one.toString());
        assertTrue(Summary.notes(one).contains("test docs only"), Summary.notes(one));
        Summary.Line none = line(runs(1000, true).subList(0, 1));
        assertEquals(Summary.NO_INTERVAL, none.interval());
        assertEquals("none", none.ci());
        assertTrue(Summary.notes(none).contains("pgr_ci"), Summary.notes(none));
    }

    @Test
    void anUnboundedIntervalPrintsAsUnbounded() throws IOException {
        // On 12 documents a resample often leaves the ceiling no better than the weak model.
        Summary.Line tiny = line(runs(12, false));
        assertEquals("unbounded", tiny.ci(), tiny.toString());
        assertEquals("unbounded", Summary.format(0.1, Double.POSITIVE_INFINITY));
        assertEquals("[0.100, 0.200]", Summary.format(0.1, 0.2));
        assertEquals("none", Summary.format(Double.NaN, Double.NaN));
    }

    @Test
    void rowsFromFewerSeedsOrMixedSeedCountsAreMarked() throws IOException {
        List<Summary.Run> runs = new ArrayList<>(runs(1000, false));
        // Another loss with two seeds, and within it a second pair with one.
        for (Summary.Run r : runs(1000, false).subList(0, 2)) {
            runs.add(new Summary.Run(r.task(), "logconf", r.weak(), r.strong(), r.seed(), r.weakAcc(), r.w2sAcc(),
                    r.ceilingAcc(), r.weakAuroc(), r.w2sAuroc(), r.ceilingAuroc(), r.flags(), r.settings(), r.test()));
        }
        Summary.Run r = runs.get(0);
        runs.add(new Summary.Run(r.task(), "logconf", "bow", r.strong(), 0, r.weakAcc() - 0.05, r.w2sAcc(),
                r.ceilingAcc(), r.weakAuroc(), r.w2sAuroc(), r.ceilingAuroc(), r.flags(), r.settings(), r.test()));
        Summary.Report report = Summary.summarize(runs, false);
        Summary.Line logconf = report.lines().get(0);
        Summary.Line xent = report.lines().get(1);
        assertEquals("logconf", logconf.loss());
        assertEquals(List.of(Summary.FEWER_SEEDS + " (2 of 3)", Summary.MIXED_SEEDS + " (1, 2)"), logconf.marks());
        assertEquals(List.of(), xent.marks());
        assertEquals(3, logconf.runs());
        assertNotNull(Summary.notes(logconf));
    }

    @Test
    void runsSharingNoTestSetSayNothingIsPairedAcrossRuns() throws IOException {
        // Each seed scored on its own documents (as --vary-test does): here, a different slice of the fixture per seed.
        Map<String, List<TestDocs.Row>> perRun = new LinkedHashMap<>();
        fixture().forEach((seed, rows) -> perRun.put("seed" + seed, rows.subList((int) (seed * 300), (int) (seed * 300 + 300))));
        Map<String, TestDocs.Scored> scored = TestDocs.of(perRun);
        List<Summary.Run> runs = new ArrayList<>();
        for (Summary.Run r : runs(1000, false)) runs.add(r.withTest(scored.get("seed" + r.seed())));
        Summary.Line l = line(runs);
        assertEquals(Summary.SEEDS_AND_DOCS + "; " + Summary.UNSHARED, l.interval());
        assertTrue(Summary.notes(l).contains("no two runs share a test set"), Summary.notes(l));
        assertTrue(Double.isFinite(l.lo()) && Double.isFinite(l.hi()), l.toString());
    }
}
