package w2s.data.chess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import w2s.base.Json;
import w2s.data.DataException;

/**
 * Chess puzzles as a generative task file: JSON Lines of {@code {id, prompt, answer, fen, answer_uci, …}}, the
 * prompt the game so far in PGN (the paper's format) or the position in FEN, the answer the best move in SAN. Beside
 * it, {@code NAME.provenance.json} records how the puzzles were made (engine and version, depth, margin, seed, rules;
 * or the Lichess file and its hash). Both are written atomically, the task file last.
 */
public final class ChessTasks {
    /** How the position is shown to the model. */
    public enum PromptStyle { PGN, FEN }

    private ChessTasks() {}

    /** The task file's rows. */
    public static List<Map<String, Object>> rows(List<Puzzles.Puzzle> puzzles, PromptStyle style) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Puzzles.Puzzle p : puzzles) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", p.id());
            row.put("prompt", style == PromptStyle.PGN ? p.pgnPrompt() : p.fenPrompt());
            row.put("answer", p.answer());
            row.put("fen", p.fen());
            row.put("answer_uci", p.answerUci());
            row.put("best_cp", p.best());
            row.put("second_cp", p.second());
            rows.add(row);
        }
        return rows;
    }

    /** Writes the provenance, then the task file; returns the provenance's path. */
    public static Path write(Path file, List<Map<String, Object>> rows, Map<String, Object> provenance) {
        Path prov = provenanceFile(file);
        Json.writeAtomically(prov, Json.write(provenance));
        Json.writeLinesAtomically(file, rows.size(), rows::get);
        return prov;
    }

    public static Path provenanceFile(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        return file.resolveSibling(name + ".provenance.json");
    }

    /**
     * Puzzles from the Lichess puzzle database's CSV ({@code PuzzleId,FEN,Moves,Rating,…}): the FEN is the position
     * before the opponent's move, which is the first of Moves (UCI); the answer is the second, the solution's first
     * move. Lichess gives no game history, so the PGN prompt starts from the position (a {@code [FEN]} tag) with the
     * opponent's move. Every move of every row must be legal; the first that is not stops the conversion with its
     * file and line.
     */
    public static List<Puzzles.Puzzle> fromLichess(Path csv) {
        List<Puzzles.Puzzle> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build()
                        .parse(reader)) {
            for (String column : List.of("PuzzleId", "FEN", "Moves")) {
                if (!parser.getHeaderMap().containsKey(column)) throw new DataException(csv.toString(), 1, column,
                        "missing: a Lichess puzzle CSV has PuzzleId,FEN,Moves,Rating,…; this one has "
                                + parser.getHeaderNames());
            }
            for (CSVRecord r : parser) {
                long line = parser.getCurrentLineNumber();
                String id = r.get("PuzzleId"), fen = r.get("FEN");
                String[] moves = r.get("Moves").strip().split("\\s+");
                if (moves.length < 2) throw new DataException(csv.toString(), line, "Moves", "puzzle " + id
                        + " has " + moves.length + " move(s); a puzzle needs the opponent's move and the answer");
                Board before;
                try {
                    before = Board.fromFen(fen);
                } catch (IllegalArgumentException e) {
                    throw new DataException(csv.toString(), line, "FEN", "puzzle " + id + ": " + e.getMessage());
                }
                Board board = before;
                Move opponent = null, answer = null;
                for (int i = 0; i < moves.length; i++) {
                    Move m;
                    try {
                        m = board.parseUci(moves[i]);
                    } catch (IllegalArgumentException e) {
                        throw new DataException(csv.toString(), line, "Moves", "puzzle " + id + ", move " + (i + 1)
                                + ": " + e.getMessage());
                    }
                    if (i == 0) opponent = m;
                    if (i == 1) answer = m;
                    board = board.play(m);
                }
                Board position = before.play(opponent);
                out.add(new Puzzles.Puzzle("lichess-" + id, fen, List.of(before.san(opponent)), position.fen(),
                        position.san(answer), answer.uci(), 0, 0, 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(csv + ": " + e.getMessage(), e);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new DataException(csv + ": not a readable CSV (" + e.getMessage() + ")");
        }
        return out;
    }
}
