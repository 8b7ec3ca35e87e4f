package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;

/** {@code w2s tasks make chess}: from stockfish, from a Lichess CSV, and what bad input gets. */
class TasksMakeCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static final String HEADER = "PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,OpeningTags\n";
    /** Black blunders with Nf6 into the scholar's mate; the solution is Qxf7#. */
    static final String SCHOLAR = "00sHx,r1bqkbnr/pppp1ppp/2n5/4p2Q/2B1P3/8/PPPP1PPP/RNB1K1NR b KQkq - 3 3,g8f6 h5f7,"
            + "600,80,95,1000,mate mateIn1 short,https://lichess.org/x,Italian_Game\n";
    /** White hangs the queen; the solution takes it with check. */
    static final String FORK = "00tAb,4k3/8/8/2n5/8/8/8/3QK3 w - - 0 40,d1d3 c5d3,900,80,90,500,hangingPiece,"
            + "https://lichess.org/y,\n";

    @Test
    void convertsTheLichessCsv() throws Exception {
        Path csv = tmp.resolve("puzzles.csv");
        Files.writeString(csv, HEADER + SCHOLAR + FORK);
        Path out = tmp.resolve("lichess.jsonl");
        Run r = run("tasks", "make", "chess", "--lichess", csv.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertEquals("lichess-00sHx", first.get("id").asText());
        assertEquals("[FEN \"r1bqkbnr/pppp1ppp/2n5/4p2Q/2B1P3/8/PPPP1PPP/RNB1K1NR b KQkq - 3 3\"]\n\n3... Nf6 4.",
                first.get("prompt").asText());
        assertEquals("Qxf7#", first.get("answer").asText());
        assertEquals("h5f7", first.get("answer_uci").asText());
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        assertEquals("[FEN \"4k3/8/8/2n5/8/8/8/3QK3 w - - 0 40\"]\n\n40. Qd3", second.get("prompt").asText());
        assertEquals("Nxd3+", second.get("answer").asText());
        JsonNode prov = Json.MAPPER.readTree(tmp.resolve("lichess.provenance.json").toFile());
        assertEquals("lichess", prov.get("source").asText());
        assertEquals(64, prov.get("sha256").asText().length());
    }

    @Test
    void anIllegalMoveNamesTheLineAndNothingIsWritten() throws Exception {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, HEADER + SCHOLAR + SCHOLAR.replace("g8f6 h5f7", "g8f6 h5h8").replace("00sHx", "bad1"));
        Path out = tmp.resolve("bad.jsonl");
        Run r = run("tasks", "make", "chess", "--lichess", csv.toString(), "--out", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.csv:3: field 'Moves': puzzle bad1, move 2: 'h5h8' is not a legal move"),
                r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("bad.provenance.json")));
        Files.writeString(csv, "PuzzleId,Fen\n1,x\n");
        r = run("tasks", "make", "chess", "--lichess", csv.toString(), "--out", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("field 'FEN': missing"), r.err());
    }

    @Test
    void anUnknownFeatureShapeIsRefusedBeforeAnythingIsWritten() {
        Run r = run("tasks", "make", "features", "--shape", "cifar", "--out", tmp.resolve("v").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown shape 'cifar': small or imagenet"), r.err());
        assertFalse(Files.exists(tmp.resolve("v")));
    }

    @Test
    void aMissingOrWrongEngineSaysSo() throws Exception {
        Run r = run("tasks", "make", "chess", "--engine", tmp.resolve("no-such-engine").toString(), "--out",
                tmp.resolve("x.jsonl").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Cannot start the chess engine") && r.err().contains("apt-get install stockfish"),
                r.err());
        // A program that is not a UCI engine: it ends at once.
        r = run("tasks", "make", "chess", "--engine", "/bin/true", "--out", tmp.resolve("x.jsonl").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("'/bin/true' ended") && r.err().contains("is it a UCI engine"), r.err());
        assertFalse(Files.exists(tmp.resolve("x.jsonl")));
    }

    @Test
    void makesPuzzlesWithStockfish() throws Exception {
        Path out = tmp.resolve("chess.jsonl");
        Run r = run("-q", "tasks", "make", "chess", "--puzzles", "5", "--depth", "6", "--seed", "1", "--prompt", "fen",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(5, lines.size());
        JsonNode row = Json.MAPPER.readTree(lines.get(0));
        assertTrue(row.get("prompt").asText().startsWith("FEN: " + row.get("fen").asText()));
        JsonNode prov = Json.MAPPER.readTree(tmp.resolve("chess.provenance.json").toFile());
        assertTrue(prov.get("engine").asText().startsWith("Stockfish"));
        assertEquals(6, prov.get("settings").get("depth").asInt());
    }
}
