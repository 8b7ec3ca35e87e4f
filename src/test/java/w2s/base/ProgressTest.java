package w2s.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Progress into a log is one line per stage and minute, and its ETA ignores the slow start before the first unit. */
class ProgressTest {
    @Test
    void theEtaIsMeasuredFromTheFirstUnitsEnd() {
        // 40 layers; the first took 100 s (loading included), the next four 2 s each: 35 left at 2 s.
        assertTrue(Double.isNaN(Progress.eta(40, 1, 1, 5)), "none until a second unit is done");
        assertEquals(70.0, Progress.eta(40, 5, 1, 8), 1e-9);
        assertEquals(0.0, Progress.eta(40, 40, 1, 78), 1e-9);
    }

    @Test
    void intoALogAStageShorterThanAMinuteIsOneLine() {
        Assumptions.assumeFalse(Progress.stderrIsTerminal(), "standard error is a terminal here");
        PrintStream saved = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try (Progress p = new Progress("cells", 142, "cells")) {
            for (int i = 0; i < 142; i++) p.advance(1);
        } finally {
            System.setErr(saved);
        }
        String log = buffer.toString(StandardCharsets.UTF_8);
        assertEquals(1, log.lines().count(), log);
        assertTrue(log.startsWith("cells [############################] 142/142 cells") && log.contains("eta 0s"), log);
    }
}
