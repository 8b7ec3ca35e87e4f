package w2s.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import w2s.base.Sha256;
import w2s.data.DataException;
import w2s.data.FeatureExample;
import w2s.data.chess.ChessTasks;
import w2s.data.chess.Puzzles;
import w2s.data.chess.Stockfish;
import w2s.experiment.Build;

/** {@code w2s tasks make chess}: the paper's chess puzzles, made here with stockfish or converted from Lichess. */
@Command(name = "make", mixinStandardHelpOptions = true,
        description = {"Makes a task file. 'chess': puzzles whose answer is the best move, as in the paper's chess "
                + "experiment: from games stockfish plays here (deterministic for a seed), or from the Lichess puzzle "
                + "CSV (--lichess).",
                "Writes FILE (JSON Lines: id, prompt, answer, fen, answer_uci, best_cp, second_cp) and "
                        + "FILE's .provenance.json beside it."})
final class TasksMakeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "KIND", description = "what to make: chess, or features (a synthetic feature-matrix "
            + "task, --out naming its folder)")
    String kind;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "chess-puzzles.jsonl",
            description = "the task file to write (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--shape", paramLabel = "small|imagenet", defaultValue = "small",
            description = "features: how much data; imagenet is the reference's split, 1,000 classes, 40,000 + "
                    + "10,000 items, 2,048-d strong vectors, about 1.1 GB of files (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--puzzles", paramLabel = "N", defaultValue = "1000",
            description = "how many puzzles to make (default: ${DEFAULT-VALUE}); ignored with --lichess")
    int puzzles;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "" + Puzzles.Settings.DEFAULT_DEPTH,
            description = "engine search depth judging each position (default: ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--margin", paramLabel = "CP", defaultValue = "200",
            description = "centipawns by which the best move beats the second best (default: ${DEFAULT-VALUE})")
    int margin;

    @Option(names = "--second-at-most", paramLabel = "CP", defaultValue = "100",
            description = "the second-best move may score at most this for the side to move, so only one move wins "
                    + "(default: ${DEFAULT-VALUE})")
    int secondAtMost;

    @Option(names = "--seed", defaultValue = "0", description = "draws openings, strengths and moves (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--prompt", paramLabel = "pgn|fen", defaultValue = "pgn",
            description = "pgn: the game so far in PGN movetext (the paper's format); fen: the position (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--engine", paramLabel = "PATH",
            description = "the UCI engine (default: stockfish on the PATH, or /usr/games/stockfish)")
    String engine;

    @Option(names = "--lichess", paramLabel = "CSV",
            description = "convert the Lichess puzzle database's CSV (PuzzleId,FEN,Moves,…) instead of playing games")
    Path lichess;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (kind.equals("features")) {
            // The feature-matrix example: --out is a folder (the chess default file name does not apply).
            Path folder = spec.commandLine().getParseResult().hasMatchedOption("--out") ? out : Path.of("features-example");
            FeatureExample.Shape s = FeatureExample.Shape.named(shape);
            FeatureExample.write(folder, seed, s);
            spec.commandLine().getOut().printf("wrote a synthetic %d-class feature task to %s: labels.jsonl (%,d), "
                    + "test.jsonl (%,d), weak.npy (%d-d), strong.npy (%d-d), weak_predictions.jsonl (a pretrained weak "
                    + "classifier's soft predictions); synthetic data, not images%n", s.classes(), folder, s.train(),
                    s.test(), s.weakDim(), s.strongDim());
            return 0;
        }
        if (!kind.equals("chess")) throw new IllegalArgumentException("unknown task kind '" + kind + "': "
                + "'tasks make' makes chess or features");
        ChessTasks.PromptStyle style = switch (prompt) {
            case "pgn" -> ChessTasks.PromptStyle.PGN;
            case "fen" -> ChessTasks.PromptStyle.FEN;
            default -> throw new IllegalArgumentException("--prompt must be pgn or fen, got '" + prompt + "'");
        };
        Map<String, Object> provenance = new LinkedHashMap<>();
        List<Puzzles.Puzzle> made;
        if (lichess != null) {
            if (!Files.isRegularFile(lichess)) throw new DataException(lichess + ": no such file");
            made = ChessTasks.fromLichess(lichess);
            provenance.put("source", "lichess");
            provenance.put("location", lichess.toString());
            provenance.put("license", "CC0 (the Lichess puzzle database)");
            provenance.put("sha256", sha256(lichess));
        } else {
            Puzzles.Settings settings = new Puzzles.Settings(puzzles, depth, margin, secondAtMost, seed, 8, 120, 3);
            String version;
            try (Stockfish sf = Stockfish.start(engine)) {
                version = sf.version();
                made = Puzzles.make(sf, settings);
            }
            provenance.put("source", "stockfish");
            provenance.put("engine", version);
            provenance.put("settings", settings.describe());
        }
        provenance.put("prompt", prompt);
        provenance.put("puzzles", made.size());
        provenance.put("w2s_version", Build.CURRENT.version());
        provenance.put("w2s_commit", Build.CURRENT.commit());
        Path prov = ChessTasks.write(out, ChessTasks.rows(made, style), provenance);
        PrintWriter w = spec.commandLine().getOut();
        w.printf("wrote %,d puzzles to %s (provenance: %s)%n", made.size(), out, prov);
        if (!made.isEmpty()) {
            Puzzles.Puzzle p = made.get(0);
            w.println("first: " + (style == ChessTasks.PromptStyle.PGN ? p.pgnPrompt() : p.fenPrompt()).replace("\n", " ")
                    + "  →  " + p.answer());
        }
        return 0;
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new DataException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
