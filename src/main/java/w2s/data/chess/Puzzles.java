package w2s.data.chess;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import w2s.base.Progress;

/**
 * Chess puzzles made here, as public puzzle sets make them: play games and keep the positions where one move is
 * clearly best. Each game starts with a few uniformly random moves (varied openings), then the engine plays at a
 * strength drawn per game (it plays a random legal move with probability 5%, 15% or 30%, else its best move, else
 * with probability 20% its second best), so games reach positions where someone just erred. A position becomes a
 * puzzle when, at the fixed depth,
 * <ul>
 *   <li>the best move beats the second best by at least {@code margin} centipawns (mates count as ±100,000), and the
 *       second best does not itself win (at most {@code secondAtMost} centipawns for the side to move): one move
 *       wins, or one move saves the game;</li>
 *   <li>it is not a trivial recapture: the best move does not take on the square where the opponent's last move just
 *       took a piece;</li>
 *   <li>the side to move has at least two legal moves, and the position was not seen before (FEN without clocks).</li>
 * </ul>
 * A game gives at most {@code perGame} puzzles, at least six plies apart. Everything is drawn from one seed and the
 * engine's searches are reproducible (see {@link Stockfish}), so the same settings give the same puzzles.
 *
 * <p>To keep the cost near one shallow search per move, the games are played from a depth-4 search, and only
 * positions where that search already sees half the margin are searched at the full depth and judged there; a puzzle
 * the shallow search misses entirely is not found.
 */
public final class Puzzles {
    private static final double[] BLUNDER_RATES = {0.05, 0.15, 0.30};
    private static final double SECOND_BEST_RATE = 0.20;
    private static final int GAP_PLIES = 6;
    /** Depth of the search that plays the games and screens positions (half the margin suffices to be searched deeper). */
    private static final int SCREEN_DEPTH = 4;

    /**
     * @param count        puzzles to make
     * @param depth        engine search depth for every position
     * @param margin       centipawns by which the best move must beat the second best
     * @param secondAtMost the second-best move's score must be at most this (centipawns, side to move)
     * @param seed         draws the openings, strengths and moves
     * @param openingPlies random plies at the start of each game: between 2 and this many
     * @param maxPlies     a game stops after this many plies
     * @param perGame      at most this many puzzles from one game
     */
    public record Settings(int count, int depth, int margin, int secondAtMost, long seed, int openingPlies,
                           int maxPlies, int perGame) {
        public static final int DEFAULT_DEPTH = 10;

        public Settings {
            if (count < 1) throw new IllegalArgumentException("--puzzles must be at least 1, got " + count);
            if (depth < 1 || depth > 40) throw new IllegalArgumentException("--depth must be 1 to 40, got " + depth);
            if (margin < 1) throw new IllegalArgumentException("--margin must be positive, got " + margin);
            if (openingPlies < 2 || maxPlies <= openingPlies || perGame < 1)
                throw new IllegalArgumentException("opening plies, game length and puzzles per game do not fit");
        }

        public static Settings defaults(int count, long seed) {
            return new Settings(count, DEFAULT_DEPTH, 200, 100, seed, 8, 120, 3);
        }

        /** What the provenance records: every setting and the rules' constants. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("puzzles", count);
            m.put("depth", depth);
            m.put("margin_cp", margin);
            m.put("second_at_most_cp", secondAtMost);
            m.put("seed", seed);
            m.put("opening_random_plies", "2.." + openingPlies);
            m.put("max_plies", maxPlies);
            m.put("per_game", perGame);
            m.put("gap_plies", GAP_PLIES);
            m.put("screen_depth", SCREEN_DEPTH);
            m.put("blunder_rates", BLUNDER_RATES);
            m.put("second_best_rate", SECOND_BEST_RATE);
            m.put("rules", "best - second >= margin; second <= second_at_most; no recapture on the square the last "
                    + "move took on; at least two legal moves; positions unique");
            return m;
        }
    }

    /**
     * One puzzle: the game so far and its answer.
     *
     * @param startFen where the game so far starts: null for the initial position (a generated game), else a FEN
     *                 (a Lichess puzzle, which has no history before its position)
     * @param moves    the game's moves so far, in SAN
     * @param fen      the position to solve
     * @param answer   the best move in SAN (with its check mark, as PGN writes it)
     * @param best     the best move's score for the side to move (centipawns; mates as ±100,000 ∓ moves; 0 if unknown)
     * @param second   the second-best move's score
     * @param depth    the search depth that judged it (0: not judged here)
     */
    public record Puzzle(String id, String startFen, List<String> moves, String fen, String answer, String answerUci,
                         int best, int second, int depth) {
        public Puzzle {
            moves = List.copyOf(moves);
        }

        /**
         * The paper's prompt: the game so far as PGN movetext, ending in the move number when White is to move
         * ("1. e4 e5 2."), after White's move when Black is ("1. e4 e5 2. Nf3"). A game that starts from a position
         * carries it in a FEN tag first, as PGN does.
         */
        public String pgnPrompt() {
            Board start = startFen == null ? Board.start() : Board.fromFen(startFen);
            List<Move> played = new ArrayList<>();
            Board b = start;
            for (String san : moves) {
                Move m = b.parseSan(san);
                played.add(m);
                b = b.play(m);
            }
            String movetext = start.movetext(played, true);
            return startFen == null ? movetext : "[FEN \"" + startFen + "\"]\n\n" + movetext;
        }

        /** The position alone, for models that read FEN. */
        public String fenPrompt() {
            return "FEN: " + fen + "\nBest move:";
        }
    }

    private Puzzles() {}

    /** Plays games until {@code settings.count()} puzzles are found. */
    public static List<Puzzle> make(Stockfish engine, Settings settings) {
        List<Puzzle> found = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (Progress progress = new Progress("chess puzzles", settings.count(), "puzzles")) {
            for (int game = 0; found.size() < settings.count(); game++) {
                if (game > 50L * settings.count() + 100) throw new IllegalStateException("no puzzles found in " + game
                        + " games: the margin (" + settings.margin() + " cp) is too strict for depth "
                        + settings.depth());
                int before = found.size();
                playGame(engine, settings, game, found, seen);
                progress.advance(found.size() - before);
            }
        }
        return found;
    }

    private static void playGame(Stockfish engine, Settings s, int game, List<Puzzle> found, Set<String> seen) {
        Random rnd = new Random(s.seed() * 1_000_003L + game);
        double blunderRate = BLUNDER_RATES[rnd.nextInt(BLUNDER_RATES.length)];
        int opening = 2 + rnd.nextInt(s.openingPlies() - 1);
        Board board = Board.start();
        List<String> sans = new ArrayList<>();
        Move last = null;
        boolean lastWasCapture = false;
        int taken = 0, lastPuzzlePly = -GAP_PLIES;
        for (int ply = 0; ply < s.maxPlies() && found.size() < s.count(); ply++) {
            List<Move> legal = board.legalMoves();
            if (legal.isEmpty()) return;
            Move move;
            if (ply < opening) {
                move = legal.get(rnd.nextInt(legal.size()));
            } else {
                // A shallow search plays the game and picks candidates; only candidates are searched at full depth.
                String fen = board.fen();
                List<Stockfish.Line> lines = engine.analyse(fen, Math.min(s.depth(), SCREEN_DEPTH), 2);
                if (lines.isEmpty()) return;
                if (taken < s.perGame() && ply - lastPuzzlePly >= GAP_PLIES && lines.size() >= 2 && legal.size() >= 2
                        && lines.get(0).value() - lines.get(1).value() >= s.margin() / 2) {
                    List<Stockfish.Line> deep = s.depth() <= SCREEN_DEPTH ? lines : engine.analyse(fen, s.depth(), 2);
                    Move answer = board.parseUci(deep.get(0).move());
                    if (deep.size() >= 2 && deep.get(0).value() - deep.get(1).value() >= s.margin()
                            && deep.get(1).value() <= s.secondAtMost()
                            && !(lastWasCapture && board.isCapture(answer) && answer.to() == last.to())
                            && seen.add(fen.replaceFirst(" \\d+ \\d+$", ""))) {
                        found.add(new Puzzle("chess-" + s.seed() + "-" + game + "-" + ply, null, sans, fen,
                                board.san(answer), answer.uci(), deep.get(0).value(), deep.get(1).value(), s.depth()));
                        taken++;
                        lastPuzzlePly = ply;
                    }
                }
                double r = rnd.nextDouble();
                if (r < blunderRate) move = legal.get(rnd.nextInt(legal.size()));
                else if (lines.size() >= 2 && r < blunderRate + SECOND_BEST_RATE) move = board.parseUci(lines.get(1).move());
                else move = board.parseUci(lines.get(0).move());
            }
            lastWasCapture = board.isCapture(move);
            last = move;
            sans.add(board.san(move));
            board = board.play(move);
            if (board.halfmoves() >= 100) return; // the fifty-move rule
        }
    }
}
