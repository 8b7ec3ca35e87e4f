package w2s.data.chess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Puzzles made from Debian's stockfish (installed by .ci/run): a few hundred of them, each checked against the rules
 * and against a second engine process, and the same seed giving the same puzzles.
 */
class PuzzlesTest {
    static final int COUNT = 200, DEPTH = 8;

    @Test
    void puzzlesCheckOutAgainstTheEngine() {
        Puzzles.Settings s = new Puzzles.Settings(COUNT, DEPTH, 200, 100, 7, 8, 120, 3);
        long t0 = System.nanoTime();
        List<Puzzles.Puzzle> puzzles;
        String version;
        try (Stockfish engine = Stockfish.start(null)) {
            version = engine.version();
            puzzles = Puzzles.make(engine, s);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d puzzles at depth %d in %.1f s (%.0f per minute) with %s%n", puzzles.size(), DEPTH,
                seconds, 60 * puzzles.size() / seconds, version);
        assertEquals(COUNT, puzzles.size());
        assertTrue(version.startsWith("Stockfish"), version);
        Set<String> ids = new HashSet<>(), fens = new HashSet<>();
        int whiteToMove = 0, mates = 0;
        try (Stockfish fresh = Stockfish.start(null)) {
            for (Puzzles.Puzzle p : puzzles) {
                assertTrue(ids.add(p.id()));
                assertTrue(fens.add(p.fen()), "position repeated: " + p.fen());
                // The moves replay from the initial position to the puzzle's position, all legal.
                Board b = Board.start();
                for (String san : p.moves()) b = b.play(b.parseSan(san));
                assertEquals(p.fen(), b.fen());
                Move answer = b.parseSan(p.answer());
                assertEquals(p.answerUci(), answer.uci());
                if (b.whiteToMove()) whiteToMove++;
                // A second engine process agrees on the best move and the margin.
                List<Stockfish.Line> lines = fresh.analyse(p.fen(), DEPTH, 2);
                assertEquals(p.answerUci(), lines.get(0).move(), p.id());
                assertEquals(p.best(), lines.get(0).value(), p.id());
                assertTrue(lines.get(0).value() - lines.get(1).value() >= 200, p.id());
                assertTrue(lines.get(1).value() <= 100, p.id());
                if (lines.get(0).mate() != null) mates++;
                // The prompt is the game so far: White to move ends in a move number, Black after White's move.
                assertEquals(b.whiteToMove(), p.pgnPrompt().endsWith("."), p.pgnPrompt());
            }
        }
        // Both sides to move, and not only mates: the generator makes varied puzzles.
        assertTrue(whiteToMove > COUNT / 4 && whiteToMove < 3 * COUNT / 4, "white to move in " + whiteToMove);
        assertTrue(mates < COUNT / 2, mates + " mates");
    }

    @Test
    void theSameSeedGivesTheSamePuzzles() {
        Puzzles.Settings s = new Puzzles.Settings(12, 6, 200, 100, 3, 8, 80, 2);
        List<Puzzles.Puzzle> a, b, c;
        try (Stockfish engine = Stockfish.start(null)) {
            a = Puzzles.make(engine, s);
            c = Puzzles.make(engine, new Puzzles.Settings(12, 6, 200, 100, 4, 8, 80, 2));
        }
        try (Stockfish engine = Stockfish.start(null)) {
            b = Puzzles.make(engine, s);
        }
        assertEquals(a, b);
        assertFalse(a.equals(c));
    }
}
