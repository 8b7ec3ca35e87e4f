package w2s.data.chess;

import java.util.ArrayList;
import java.util.List;

/**
 * A chess position and the rules of the game: FEN in and out, the legal moves, playing one, and standard algebraic
 * notation (SAN) as PGN writes it. Positions are immutable: {@link #play} returns a new board. The move generator is
 * plain and checked by perft counts against the published ones (BoardTest), not tuned for speed.
 *
 * <p>Squares are 0 = a1 … 7 = h1 … 63 = h8. Pieces are 1 pawn, 2 knight, 3 bishop, 4 rook, 5 queen, 6 king, positive
 * for White and negative for Black.
 */
public final class Board {
    public static final String START = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1";
    static final int PAWN = 1, KNIGHT = 2, BISHOP = 3, ROOK = 4, QUEEN = 5, KING = 6;
    private static final String PIECES = " PNBRQK";
    private static final int[][] KNIGHT_STEPS = {{1, 2}, {2, 1}, {2, -1}, {1, -2}, {-1, -2}, {-2, -1}, {-2, 1}, {-1, 2}};
    private static final int[][] KING_STEPS = {{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
    private static final int[][] DIAGONALS = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
    private static final int[][] LINES = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    /** Castling rights as FEN's KQkq, one bit each. */
    private static final int WHITE_SHORT = 1, WHITE_LONG = 2, BLACK_SHORT = 4, BLACK_LONG = 8;

    private final int[] squares;
    private final boolean whiteToMove;
    private final int castling;
    /** The square a pawn that just moved two squares passed over, or -1. */
    private final int enPassant;
    private final int halfmoves, fullmoves;

    private Board(int[] squares, boolean whiteToMove, int castling, int enPassant, int halfmoves, int fullmoves) {
        this.squares = squares;
        this.whiteToMove = whiteToMove;
        this.castling = castling;
        this.enPassant = enPassant;
        this.halfmoves = halfmoves;
        this.fullmoves = fullmoves;
    }

    public static Board start() {
        return fromFen(START);
    }

    /** Reads a FEN; the halfmove and fullmove fields may be left out (as EPD does). */
    public static Board fromFen(String fen) {
        String[] f = fen.strip().split("\\s+");
        if (f.length < 4) throw new IllegalArgumentException("FEN '" + fen + "' has " + f.length + " fields, not 4 to 6");
        int[] sq = new int[64];
        String[] ranks = f[0].split("/");
        if (ranks.length != 8) throw new IllegalArgumentException("FEN '" + fen + "' has " + ranks.length + " ranks");
        for (int r = 0; r < 8; r++) {
            int file = 0;
            for (char c : ranks[r].toCharArray()) {
                if (Character.isDigit(c)) {
                    file += c - '0';
                } else {
                    int p = PIECES.indexOf(Character.toUpperCase(c));
                    if (p <= 0 || file > 7) throw new IllegalArgumentException("FEN '" + fen + "': bad rank '" + ranks[r] + "'");
                    sq[(7 - r) * 8 + file++] = Character.isUpperCase(c) ? p : -p;
                }
            }
            if (file != 8) throw new IllegalArgumentException("FEN '" + fen + "': rank '" + ranks[r] + "' is not 8 squares");
        }
        if (!f[1].equals("w") && !f[1].equals("b")) throw new IllegalArgumentException("FEN '" + fen + "': side '" + f[1] + "'");
        int castling = 0;
        if (!f[2].equals("-")) for (char c : f[2].toCharArray()) {
            castling |= switch (c) {
                case 'K' -> WHITE_SHORT;
                case 'Q' -> WHITE_LONG;
                case 'k' -> BLACK_SHORT;
                case 'q' -> BLACK_LONG;
                default -> throw new IllegalArgumentException("FEN '" + fen + "': castling '" + f[2] + "'");
            };
        }
        int ep = f[3].equals("-") ? -1 : square(f[3]);
        int half = f.length > 4 ? Integer.parseInt(f[4]) : 0, full = f.length > 5 ? Integer.parseInt(f[5]) : 1;
        int whiteKings = 0, blackKings = 0;
        for (int p : sq) {
            if (p == KING) whiteKings++;
            if (p == -KING) blackKings++;
        }
        if (whiteKings != 1 || blackKings != 1) throw new IllegalArgumentException("FEN '" + fen + "' needs one king a side");
        return new Board(sq, f[1].equals("w"), castling, ep, half, full);
    }

    public String fen() {
        StringBuilder b = new StringBuilder();
        for (int r = 7; r >= 0; r--) {
            int empty = 0;
            for (int file = 0; file < 8; file++) {
                int p = squares[r * 8 + file];
                if (p == 0) {
                    empty++;
                    continue;
                }
                if (empty > 0) b.append(empty);
                empty = 0;
                char c = PIECES.charAt(Math.abs(p));
                b.append(p > 0 ? c : Character.toLowerCase(c));
            }
            if (empty > 0) b.append(empty);
            if (r > 0) b.append('/');
        }
        b.append(whiteToMove ? " w " : " b ");
        String c = ((castling & WHITE_SHORT) != 0 ? "K" : "") + ((castling & WHITE_LONG) != 0 ? "Q" : "")
                + ((castling & BLACK_SHORT) != 0 ? "k" : "") + ((castling & BLACK_LONG) != 0 ? "q" : "");
        b.append(c.isEmpty() ? "-" : c);
        // As python-chess writes it: the en-passant square only when a legal capture there exists.
        boolean epLegal = enPassant >= 0 && legalMoves().stream()
                .anyMatch(m -> m.to() == enPassant && Math.abs(squares[m.from()]) == PAWN);
        b.append(' ').append(epLegal ? squareName(enPassant) : "-");
        return b.append(' ').append(halfmoves).append(' ').append(fullmoves).toString();
    }

    public boolean whiteToMove() {
        return whiteToMove;
    }

    public int fullmoves() {
        return fullmoves;
    }

    /** Plies since the last capture or pawn move (the fifty-move rule's count). */
    public int halfmoves() {
        return halfmoves;
    }

    /** The piece on a square: 0 if empty, positive for White, negative for Black. */
    public int piece(int square) {
        return squares[square];
    }

    public static String squareName(int s) {
        return "" + (char) ('a' + s % 8) + (char) ('1' + s / 8);
    }

    public static int square(String name) {
        if (name.length() != 2 || name.charAt(0) < 'a' || name.charAt(0) > 'h' || name.charAt(1) < '1'
                || name.charAt(1) > '8') throw new IllegalArgumentException("'" + name + "' is not a square");
        return (name.charAt(1) - '1') * 8 + (name.charAt(0) - 'a');
    }

    // ---------------------------------------------------------------------------------------------- move generation

    /** Every legal move of the side to move. */
    public List<Move> legalMoves() {
        List<Move> legal = new ArrayList<>();
        for (Move m : pseudoLegalMoves()) {
            Board after = play(m);
            if (!after.attacked(after.king(whiteToMove), !whiteToMove)) legal.add(m);
        }
        return legal;
    }

    public boolean inCheck() {
        return attacked(king(whiteToMove), !whiteToMove);
    }

    public boolean checkmate() {
        return inCheck() && legalMoves().isEmpty();
    }

    private int king(boolean white) {
        int k = white ? KING : -KING;
        for (int s = 0; s < 64; s++) if (squares[s] == k) return s;
        throw new IllegalStateException("no king");
    }

    private boolean own(int piece) {
        return whiteToMove ? piece > 0 : piece < 0;
    }

    private static int at(int file, int rank) {
        return file < 0 || file > 7 || rank < 0 || rank > 7 ? -1 : rank * 8 + file;
    }

    /** Moves that obey how each piece moves but may leave the mover's king in check. */
    private List<Move> pseudoLegalMoves() {
        List<Move> moves = new ArrayList<>();
        for (int s = 0; s < 64; s++) {
            int p = squares[s];
            if (p == 0 || !own(p)) continue;
            int file = s % 8, rank = s / 8;
            switch (Math.abs(p)) {
                case PAWN -> pawnMoves(s, file, rank, moves);
                case KNIGHT -> steps(s, file, rank, KNIGHT_STEPS, moves);
                case BISHOP -> slides(s, file, rank, DIAGONALS, moves);
                case ROOK -> slides(s, file, rank, LINES, moves);
                case QUEEN -> {
                    slides(s, file, rank, DIAGONALS, moves);
                    slides(s, file, rank, LINES, moves);
                }
                case KING -> {
                    steps(s, file, rank, KING_STEPS, moves);
                    castlingMoves(s, moves);
                }
                default -> throw new IllegalStateException();
            }
        }
        return moves;
    }

    private void pawnMoves(int s, int file, int rank, List<Move> moves) {
        int dir = whiteToMove ? 1 : -1, startRank = whiteToMove ? 1 : 6, lastRank = whiteToMove ? 7 : 0;
        int one = at(file, rank + dir);
        if (one >= 0 && squares[one] == 0) {
            pawnMove(s, one, lastRank, moves);
            int two = at(file, rank + 2 * dir);
            if (rank == startRank && squares[two] == 0) moves.add(new Move(s, two, 0));
        }
        for (int df : new int[] {-1, 1}) {
            int t = at(file + df, rank + dir);
            if (t < 0) continue;
            if ((squares[t] != 0 && !own(squares[t])) || t == enPassant) pawnMove(s, t, lastRank, moves);
        }
    }

    private static void pawnMove(int from, int to, int lastRank, List<Move> moves) {
        if (to / 8 == lastRank) {
            for (int promo : new int[] {QUEEN, ROOK, BISHOP, KNIGHT}) moves.add(new Move(from, to, promo));
        } else {
            moves.add(new Move(from, to, 0));
        }
    }

    private void steps(int s, int file, int rank, int[][] deltas, List<Move> moves) {
        for (int[] d : deltas) {
            int t = at(file + d[0], rank + d[1]);
            if (t >= 0 && !own(squares[t])) moves.add(new Move(s, t, 0));
        }
    }

    private void slides(int s, int file, int rank, int[][] directions, List<Move> moves) {
        for (int[] d : directions) {
            for (int i = 1; ; i++) {
                int t = at(file + i * d[0], rank + i * d[1]);
                if (t < 0 || own(squares[t])) break;
                moves.add(new Move(s, t, 0));
                if (squares[t] != 0) break;
            }
        }
    }

    /** Castling: the right kept, the squares between empty, and the king not in, through or into check. */
    private void castlingMoves(int s, List<Move> moves) {
        int home = whiteToMove ? 4 : 60;
        if (s != home) return;
        boolean enemy = !whiteToMove;
        int shortRight = whiteToMove ? WHITE_SHORT : BLACK_SHORT, longRight = whiteToMove ? WHITE_LONG : BLACK_LONG;
        int rook = whiteToMove ? ROOK : -ROOK;
        if ((castling & shortRight) != 0 && squares[home + 3] == rook && squares[home + 1] == 0
                && squares[home + 2] == 0 && !attacked(home, enemy) && !attacked(home + 1, enemy)
                && !attacked(home + 2, enemy)) moves.add(new Move(home, home + 2, 0));
        if ((castling & longRight) != 0 && squares[home - 4] == rook && squares[home - 1] == 0
                && squares[home - 2] == 0 && squares[home - 3] == 0 && !attacked(home, enemy)
                && !attacked(home - 1, enemy) && !attacked(home - 2, enemy)) moves.add(new Move(home, home - 2, 0));
    }

    /** Whether a piece of the given side attacks the square. */
    boolean attacked(int s, boolean byWhite) {
        int sign = byWhite ? 1 : -1, file = s % 8, rank = s / 8;
        // A white pawn attacks from the rank below, a black one from the rank above.
        for (int df : new int[] {-1, 1}) {
            int t = at(file + df, rank - sign);
            if (t >= 0 && squares[t] == sign * PAWN) return true;
        }
        for (int[] d : KNIGHT_STEPS) {
            int t = at(file + d[0], rank + d[1]);
            if (t >= 0 && squares[t] == sign * KNIGHT) return true;
        }
        for (int[] d : KING_STEPS) {
            int t = at(file + d[0], rank + d[1]);
            if (t >= 0 && squares[t] == sign * KING) return true;
        }
        return ray(file, rank, DIAGONALS, sign * BISHOP, sign * QUEEN) || ray(file, rank, LINES, sign * ROOK, sign * QUEEN);
    }

    private boolean ray(int file, int rank, int[][] directions, int slider, int queen) {
        for (int[] d : directions) {
            for (int i = 1; ; i++) {
                int t = at(file + i * d[0], rank + i * d[1]);
                if (t < 0) break;
                int p = squares[t];
                if (p == slider || p == queen) return true;
                if (p != 0) break;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------- playing a move

    /** The position after a move (which must be at least pseudo-legal; {@link #legalMoves} gives legal ones). */
    public Board play(Move m) {
        int[] sq = squares.clone();
        int piece = sq[m.from()], kind = Math.abs(piece), captured = sq[m.to()];
        sq[m.to()] = m.promotion() != 0 ? Integer.signum(piece) * m.promotion() : piece;
        sq[m.from()] = 0;
        if (kind == PAWN && m.to() == enPassant) {
            captured = sq[m.to() - (whiteToMove ? 8 : -8)];
            sq[m.to() - (whiteToMove ? 8 : -8)] = 0;
        }
        if (kind == KING && Math.abs(m.to() - m.from()) == 2) {
            boolean isShort = m.to() > m.from();
            int rookFrom = isShort ? m.from() + 3 : m.from() - 4, rookTo = isShort ? m.from() + 1 : m.from() - 1;
            sq[rookTo] = sq[rookFrom];
            sq[rookFrom] = 0;
        }
        int rights = castling;
        for (int s : new int[] {m.from(), m.to()}) {
            rights &= switch (s) {
                case 4 -> ~(WHITE_SHORT | WHITE_LONG);
                case 0 -> ~WHITE_LONG;
                case 7 -> ~WHITE_SHORT;
                case 60 -> ~(BLACK_SHORT | BLACK_LONG);
                case 56 -> ~BLACK_LONG;
                case 63 -> ~BLACK_SHORT;
                default -> ~0;
            };
        }
        int ep = kind == PAWN && Math.abs(m.to() - m.from()) == 16 ? (m.from() + m.to()) / 2 : -1;
        int half = kind == PAWN || captured != 0 ? 0 : halfmoves + 1;
        return new Board(sq, !whiteToMove, rights, ep, half, whiteToMove ? fullmoves : fullmoves + 1);
    }

    /** Whether the move takes a piece (en passant included). */
    public boolean isCapture(Move m) {
        return squares[m.to()] != 0 || (Math.abs(squares[m.from()]) == PAWN && m.to() == enPassant);
    }

    /** The legal move a UCI string names, or an exception saying why it is not one. */
    public Move parseUci(String uci) {
        for (Move m : legalMoves()) if (m.uci().equals(uci)) return m;
        throw new IllegalArgumentException("'" + uci + "' is not a legal move in " + fen());
    }

    /** The legal move a SAN string names (check and annotation marks ignored), or an exception. */
    public Move parseSan(String san) {
        String want = stripSan(san);
        for (Move m : legalMoves()) if (stripSan(san(m)).equals(want)) return m;
        throw new IllegalArgumentException("'" + san + "' is not a legal move in " + fen());
    }

    static String stripSan(String san) {
        return san.strip().replaceAll("[+#!?]+$", "").replace("0-0-0", "O-O-O").replace("0-0", "O-O");
    }

    // ---------------------------------------------------------------------------------------------- notation

    /** Standard algebraic notation, as PGN writes it: Nbd7, exd5, e8=Q+, O-O, Qh4#. */
    public String san(Move m) {
        int piece = Math.abs(squares[m.from()]);
        String s;
        if (piece == KING && Math.abs(m.to() - m.from()) == 2) {
            s = m.to() > m.from() ? "O-O" : "O-O-O";
        } else if (piece == PAWN) {
            s = isCapture(m) ? (char) ('a' + m.from() % 8) + "x" + squareName(m.to()) : squareName(m.to());
            if (m.promotion() != 0) s += "=" + PIECES.charAt(m.promotion());
        } else {
            StringBuilder b = new StringBuilder().append(PIECES.charAt(piece));
            boolean sameFile = false, sameRank = false, ambiguous = false;
            for (Move o : legalMoves()) {
                if (o.to() != m.to() || o.from() == m.from() || Math.abs(squares[o.from()]) != piece) continue;
                ambiguous = true;
                sameFile |= o.from() % 8 == m.from() % 8;
                sameRank |= o.from() / 8 == m.from() / 8;
            }
            if (ambiguous) {
                if (!sameFile) b.append((char) ('a' + m.from() % 8));
                else if (!sameRank) b.append((char) ('1' + m.from() / 8));
                else b.append(squareName(m.from()));
            }
            if (isCapture(m)) b.append('x');
            s = b.append(squareName(m.to())).toString();
        }
        Board after = play(m);
        if (after.inCheck()) s += after.legalMoves().isEmpty() ? "#" : "+";
        return s;
    }

    /**
     * PGN movetext of moves played from this position: "1. e4 e5 2. Nf3", a black first move as "1... e5". With
     * {@code nextNumber}, a trailing "3." when White is to move next (the prompt a model continues with a move).
     */
    public String movetext(List<Move> moves, boolean nextNumber) {
        StringBuilder b = new StringBuilder();
        Board board = this;
        for (int i = 0; i < moves.size(); i++) {
            if (board.whiteToMove) b.append(board.fullmoves).append(". ");
            else if (i == 0) b.append(board.fullmoves).append("... ");
            b.append(board.san(moves.get(i))).append(' ');
            board = board.play(moves.get(i));
        }
        if (nextNumber && board.whiteToMove) b.append(board.fullmoves).append('.');
        return b.toString().strip();
    }
}
