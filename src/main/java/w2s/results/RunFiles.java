package w2s.results;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.report.Json;

/**
 * A run as files: a folder holding {@code metrics.json} (the whole result) and {@code row.parquet} (the same run as
 * one flat row, see {@link RunRow}), each written atomically, the row last, so a folder with a readable row.parquet
 * is a finished run and nothing else is. Any folder of such folders is a results store: {@link Results} reads it with
 * DuckDB, pandas and polars read the Parquet files directly ({@code pd.read_parquet("runs/sweep")} or
 * {@code pl.read_parquet("runs/sweep/*&#47;row.parquet")}).
 */
public final class RunFiles {
    public static final String METRICS = "metrics.json";
    public static final String ROW = "row.parquet";
    public static final String WEAK_LABELS = "weak_labels.jsonl";

    private RunFiles() {}

    /**
     * The folder name of a run: task, models, mode, loss and seed to read, and the first 8 hex digits of its cell key
     * (the hash of its whole configuration and data) so runs that differ in anything else never share a folder.
     */
    public static String folderName(ExperimentConfig c, String cellKey) {
        String task = Path.of(c.task()).getFileName().toString().replaceFirst("\\.[^.]+$", "");
        // Model names may be paths (a Hugging Face folder) or carry a colon (ccs:minilm-l6): keep the last part of a
        // path and no colon, which not every file system accepts.
        String name = String.join("_", task, modelName(c.weak().name()), modelName(c.strong().name()) + "-"
                + c.strong().mode().id(), c.loss(), "seed" + c.seed());
        return (name + "-" + cellKey.substring(0, Math.min(8, cellKey.length()))).replace(':', '-');
    }

    private static String modelName(String name) {
        return Path.of(name).getFileName().toString();
    }

    /** Whether the folder holds a finished run: a row.parquet that is a whole Parquet file. */
    public static boolean complete(Path dir) {
        return isParquet(dir.resolve(ROW));
    }

    /** metrics.json, then row.parquet: the row's presence means the run's files are complete. */
    public static void write(Path dir, String cellKey, RunResult result) {
        Json.writeAtomically(dir.resolve(METRICS), result);
        writeRow(dir, cellKey, result);
    }

    /** Writes row.parquet atomically: into a hidden temporary file beside it, then renamed into place. */
    public static void writeRow(Path dir, String cellKey, RunResult result) {
        List<Object> values = RunRow.values(cellKey, result);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + ROW, ".tmp");
            try {
                try (Connection c = w2s.experiment.Natives.duckdb("jdbc:duckdb:"); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE row (" + RunRow.COLUMNS.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")");
                    String params = RunRow.COLUMNS.values().stream().map(t -> "CAST(? AS " + t + ")")
                            .collect(Collectors.joining(", "));
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO row VALUES (" + params + ")")) {
                        for (int i = 0; i < values.size(); i++) p.setObject(i + 1, values.get(i));
                        p.executeUpdate();
                    }
                    s.execute("COPY row TO " + literal(tmp) + " (FORMAT parquet)");
                }
                try {
                    Files.move(tmp, dir.resolve(ROW), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dir.resolve(ROW), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(ROW) + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write " + dir.resolve(ROW) + ": " + e.getMessage(), e);
        }
    }

    /** A path as an SQL string literal. */
    static String literal(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    /** Whether a file is a whole Parquet file: "PAR1" at both ends (a truncated copy lacks the footer's). */
    static boolean isParquet(Path file) {
        if (!Files.isRegularFile(file)) return false;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long n = f.length();
            if (n < 12) return false;
            byte[] head = new byte[4];
            byte[] tail = new byte[4];
            f.readFully(head);
            f.seek(n - 4);
            f.readFully(tail);
            String magic = "PAR1";
            return new String(head, StandardCharsets.US_ASCII).equals(magic)
                    && new String(tail, StandardCharsets.US_ASCII).equals(magic);
        } catch (IOException e) {
            return false;
        }
    }
}
