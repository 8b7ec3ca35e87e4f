package w2s.data.chess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The move generator against the published perft counts (the Chess Programming Wiki's "Perft Results": the initial
 * position, Kiwipete and positions 3 to 6, which between them exercise castling through and out of check, en
 * passant with discovered checks, promotions with capture and pins), and SAN as PGN writes it.
 */
class BoardTest {
    static long perft(Board b, int depth) {
        if (depth == 0) return 1;
        List<Move> moves = b.legalMoves();
        if (depth == 1) return moves.size();
        long n = 0;
        for (Move m : moves) n += perft(b.play(m), depth - 1);
        return n;
    }

    @Test
    void initialPosition() {
        Board b = Board.start();
        assertEquals(20, perft(b, 1));
        assertEquals(400, perft(b, 2));
        assertEquals(8_902, perft(b, 3));
        assertEquals(197_281, perft(b, 4));
    }

    @Test
    void kiwipete() {
        Board b = Board.fromFen("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1");
        assertEquals(48, perft(b, 1));
        assertEquals(2_039, perft(b, 2));
        assertEquals(97_862, perft(b, 3));
    }

    @Test
    void position3EnPassantAndPins() {
        Board b = Board.fromFen("8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1");
        assertEquals(14, perft(b, 1));
        assertEquals(191, perft(b, 2));
        assertEquals(2_812, perft(b, 3));
        assertEquals(43_238, perft(b, 4));
    }

    @Test
    void position4PromotionsAndCastlingRights() {
        Board b = Board.fromFen("r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1");
        assertEquals(6, perft(b, 1));
        assertEquals(264, perft(b, 2));
        assertEquals(9_467, perft(b, 3));
    }

    @Test
    void positions5And6() {
        Board five = Board.fromFen("rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8");
        assertEquals(44, perft(five, 1));
        assertEquals(1_486, perft(five, 2));
        assertEquals(62_379, perft(five, 3));
        Board six = Board.fromFen("r4rk1/1pp1qppp/p1np1n2/2b1p1B1/2B1P1b1/P1NP1N2/1PP1QPPP/R4RK1 w - - 0 10");
        assertEquals(46, perft(six, 1));
        assertEquals(2_079, perft(six, 2));
        assertEquals(89_890, perft(six, 3));
    }

    @Test
    void fenRoundTripsAndWritesEnPassantOnlyWhenLegal() {
        for (String fen : List.of(Board.START,
                "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
                "rnbqkbnr/ppp1p1pp/8/3pPp2/8/8/PPPP1PPP/RNBQKBNR w KQkq f6 0 3")) {
            assertEquals(fen, Board.fromFen(fen).fen());
        }
        Board afterE4 = Board.start().play(Board.start().parseUci("e2e4"));
        assertEquals("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1", afterE4.fen());
        assertThrows(IllegalArgumentException.class, () -> Board.fromFen("8/8/8/8/8/8/8/8 w - - 0 1"));
        assertThrows(IllegalArgumentException.class, () -> Board.fromFen("rnbqkbnr/pppppppp/8/8 w KQkq - 0 1"));
    }

    @Test
    void sanAsPgnWritesIt() {
        Board b = Board.start();
        List<Move> game = new ArrayList<>();
        // The Opera game's start, then the classic mate: every SAN form on the way.
        for (String san : List.of("e4", "e5", "Nf3", "d6", "d4", "Bg4", "dxe5", "Bxf3", "Qxf3", "dxe5", "Bc4",
                "Nf6", "Qb3", "Qe7", "Nc3", "c6", "Bg5", "b5", "Nxb5", "cxb5", "Bxb5+", "Nbd7", "O-O-O", "Rd8",
                "Rxd7", "Rxd7", "Rd1", "Qe6", "Bxd7+", "Nxd7", "Qb8+", "Nxb8", "Rd8#")) {
            Board before = b;
            Move m = b.parseSan(san);
            assertEquals(san, before.san(m));
            game.add(m);
            b = b.play(m);
        }
        assertTrue(b.checkmate());
        assertEquals("1. e4 e5 2. Nf3 d6 3. d4", Board.start().movetext(game.subList(0, 5), true));
        assertEquals("1. e4 e5 2. Nf3 d6 3.", Board.start().movetext(game.subList(0, 4), true));
        // Disambiguation by file, by rank, and promotion with capture and check.
        assertEquals("Rad1", Board.fromFen("4k3/8/8/8/8/8/8/R4RK1 w - - 0 1").san(new Move(0, 3, 0)));
        assertEquals("R1a3", Board.fromFen("R7/8/4k3/8/8/8/8/R5K1 w - - 0 1").san(new Move(0, 16, 0)));
        assertEquals("bxa8=Q+", Board.fromFen("r3k3/1P6/8/8/8/8/8/6K1 w - - 0 1").san(new Move(49, 56, 5)));
        assertEquals("exf6", Board.fromFen("4k3/8/8/4Pp2/8/8/8/4K3 w - f6 0 2").san(new Move(36, 45, 0)));
        assertThrows(IllegalArgumentException.class, () -> Board.start().parseUci("e2e5"));
    }
}
