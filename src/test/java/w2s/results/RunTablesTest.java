package w2s.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.experiment.RunResult;
import w2s.metrics.Bootstrap.Interval;

class RunTablesTest {
    /** A result that carries only a PGR: the median reads only the metric it is given. */
    private static RunResult withPgr(double pgr) {
        return new RunResult(0, 0, 0, pgr, 0, 0, 0, 0, null, null, null, null, null, null, null, null, null, List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, 0, 0, 0, null,
                null, null, List.of(), List.of(), null, null, List.of(), null, null, null, null, null, 0, null, null, null, null, null);
    }

    @Test
    void intervalsPrintUnboundedSidesAndMissingOnes() {
        assertEquals("[0.100, 0.250]", RunTables.interval(new Interval(0.1, 0.25)));
        assertEquals("unbounded", RunTables.interval(new Interval(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)));
        assertEquals("unbounded", RunTables.interval(new Interval(0.2, Double.POSITIVE_INFINITY)));
        assertEquals("n/a", RunTables.interval(null));
        assertEquals("n/a", RunTables.interval(new Interval(Double.NaN, Double.NaN)));
    }

    @Test
    void medianLeavesUndefinedValuesOut() {
        List<RunResult> runs = List.of(withPgr(0.5), withPgr(Double.NaN), withPgr(-0.2), withPgr(0.9));
        assertEquals(0.5, RunTables.median(runs, RunResult::pgr), 1e-12);
        assertEquals(0.15, RunTables.median(runs.subList(0, 3), RunResult::pgr), 1e-12);
        assertTrue(Double.isNaN(RunTables.median(List.of(withPgr(Double.NaN)), RunResult::pgr)));
    }
}
