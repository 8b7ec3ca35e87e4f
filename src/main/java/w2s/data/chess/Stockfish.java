package w2s.data.chess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import w2s.data.DataException;

/**
 * A UCI chess engine (Stockfish) in a child process, asked for the best lines of a position at a fixed depth.
 * Searches are made reproducible: one thread, a fixed hash, and the hash cleared ({@code ucinewgame}) before every
 * search, so the same position at the same depth gives the same lines in every run and process.
 *
 * <p>The engine's standard input stays open until {@code bestmove} arrives: closing it early makes Stockfish answer
 * at once with a shallow move. Anything unexpected (no engine, a crash, a silent engine, an answer that is not UCI)
 * is a {@link DataException} that says what happened.
 */
public final class Stockfish implements AutoCloseable {
    /** Debian installs it here, outside root's PATH. */
    private static final List<Path> KNOWN = List.of(Path.of("/usr/games/stockfish"), Path.of("/usr/bin/stockfish"),
            Path.of("/usr/local/bin/stockfish"));
    private static final String INSTALL = "install it (Debian/Ubuntu: apt-get install stockfish; macOS: brew install "
            + "stockfish) or pass --engine PATH";
    private static final long TIMEOUT_SECONDS = 120;
    private static final String EOF = "\u0000eof";

    /**
     * One line of the engine's analysis: its first move (UCI), and the score for the side to move in centipawns, or
     * the moves to mate when {@code mate} is not null (negative: the side to move is mated).
     */
    public record Line(String move, int centipawns, Integer mate) {
        /** A score that orders mates beyond any material: mate in n is 100000 − n, being mated in n is −100000 + n. */
        public int value() {
            if (mate == null) return centipawns;
            return mate > 0 ? 100_000 - mate : -100_000 - mate;
        }
    }

    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> out = new LinkedBlockingQueue<>();
    private final String version;
    private final String command;
    private int multiPv = 1;

    private Stockfish(String command) {
        this.command = command;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new DataException("Cannot start the chess engine '" + command + "' (" + e.getMessage() + "): "
                    + INSTALL + ".");
        }
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                for (String line; (line = r.readLine()) != null; ) out.add(line);
            } catch (IOException e) {
                // the process ended; EOF below says so
            }
            out.add(EOF);
        }, "w2s-uci-reader");
        reader.setDaemon(true);
        reader.start();
        send("uci");
        String name = null;
        for (String line; !(line = next("uciok")).equals("uciok"); ) {
            if (line.startsWith("id name ")) name = line.substring("id name ".length()).strip();
        }
        version = name == null ? "unknown UCI engine" : name;
        send("setoption name Threads value 1");
        send("setoption name Hash value 16");
        ready();
    }

    /** Starts the engine: the given command, else {@code stockfish} on the PATH or where Debian installs it. */
    public static Stockfish start(String command) {
        return new Stockfish(command != null ? command : locate());
    }

    static String locate() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "stockfish"))) return Path.of(dir, "stockfish").toString();
        }
        for (Path p : KNOWN) if (Files.isExecutable(p)) return p.toString();
        throw new DataException("No chess engine found: 'stockfish' is not on the PATH nor in /usr/games; " + INSTALL
                + ".");
    }

    /** What the engine calls itself, e.g. "Stockfish 15.1". */
    public String version() {
        return version;
    }

    /** The engine's {@code lines} best lines of a position at a fixed depth, best first (fewer if fewer moves). */
    public List<Line> analyse(String fen, int depth, int lines) {
        if (lines != multiPv) {
            send("setoption name MultiPV value " + lines);
            multiPv = lines;
        }
        send("ucinewgame");
        ready();
        send("position fen " + fen);
        send("go depth " + depth);
        TreeMap<Integer, Line> best = new TreeMap<>();
        for (String line; !(line = next("bestmove")).startsWith("bestmove"); ) {
            if (!line.startsWith("info ") || !line.contains(" pv ") || line.contains("bound")) continue;
            String[] t = line.split(" ");
            int d = -1, pv = 1;
            Integer cp = null, mate = null;
            String move = null;
            for (int i = 1; i < t.length - 1; i++) {
                switch (t[i]) {
                    case "depth" -> d = Integer.parseInt(t[++i]);
                    case "multipv" -> pv = Integer.parseInt(t[++i]);
                    case "score" -> {
                        if (t[i + 1].equals("cp")) cp = Integer.parseInt(t[i + 2]);
                        else if (t[i + 1].equals("mate")) mate = Integer.parseInt(t[i + 2]);
                        i += 2;
                    }
                    case "pv" -> {
                        move = t[i + 1];
                        i = t.length;
                    }
                    default -> { }
                }
            }
            if (d == depth && move != null && (cp != null || mate != null))
                best.put(pv, new Line(move, cp == null ? 0 : cp, mate));
        }
        return new ArrayList<>(best.values());
    }

    private void ready() {
        send("isready");
        while (!next("readyok").equals("readyok")) {
            // skip anything printed before it
        }
    }

    private void send(String command) {
        try {
            in.write(command + "\n");
            in.flush();
        } catch (IOException e) {
            throw new DataException("The chess engine '" + this.command + "' ended or stopped reading commands (exit "
                    + "code " + exitCode() + "): is it a UCI engine such as stockfish?");
        }
    }

    private String next(String awaiting) {
        String line;
        try {
            line = out.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("Interrupted while waiting for the chess engine.");
        }
        if (line == null) throw new DataException("The chess engine '" + command + "' sent nothing for "
                + TIMEOUT_SECONDS + " s while w2s waited for '" + awaiting + "': is it a UCI engine?");
        if (line.equals(EOF)) throw new DataException("The chess engine '" + command + "' ended while w2s waited for '"
                + awaiting + "' (exit code " + exitCode() + "): is it a UCI engine such as stockfish?");
        return line;
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() {
        try {
            send("quit");
        } catch (DataException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
