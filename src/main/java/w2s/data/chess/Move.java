package w2s.data.chess;

/**
 * A move from one square to another (0 = a1, 7 = h1, 63 = h8), with the piece a pawn becomes on the last rank (0 if
 * none). Castling is the king's two-square move, as UCI writes it.
 */
public record Move(int from, int to, int promotion) {
    private static final String PROMOTIONS = " pnbrqk";

    /** The UCI form: e2e4, e7e8q. */
    public String uci() {
        return Board.squareName(from) + Board.squareName(to) + (promotion == 0 ? "" : PROMOTIONS.charAt(promotion));
    }

    @Override
    public String toString() {
        return uci();
    }
}
