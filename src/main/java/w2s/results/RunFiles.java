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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import w2s.base.Json;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.Predictions;
import w2s.experiment.RunResult;

/**
 * A run as files: a folder holding {@code metrics.json} (the whole result) and {@code row.parquet} (the same run as
 * one flat row, see {@link RunRow}), each written atomically, the row last, so a folder with a readable row.parquet
 * is a finished run and nothing else is. Any folder of such folders is a results store: {@link Results} reads it with
 * DuckDB, pandas and polars read the Parquet files directly ({@code pl.read_parquet("runs/sweep/*&#47;row.parquet")};
 * not the whole folder, which also holds each run's {@code predictions.parquet}, rows of another shape). Beside them,
 * {@code predictions.parquet} (per-example predictions) and {@code log.jsonl} (the training log, see
 * {@link TrainingLog}).
 */
public final class RunFiles {
    public static final String METRICS = "metrics.json";
    public static final String ROW = "row.parquet";
    public static final String WEAK_LABELS = "weak_labels.jsonl";
    public static final String PREDICTIONS = "predictions.parquet";
    public static final String LOG = "log.jsonl";

    private RunFiles() {}

    /**
     * The folder name of a run: task, models, mode, loss and seed to read, and the first 8 hex digits of its cell key
     * (the hash of its whole configuration and data) so runs that differ in anything else never share a folder.
     */
    public static String folderName(ExperimentConfig c, String cellKey) {
        // An hf: task's column parameters (;text=...;label=...) are in the configuration, not the folder name.
        String task = Path.of(c.task().replaceFirst(";.*$", "")).getFileName().toString()
                .replaceFirst("\\.[^.]+$", "");
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
        write(dir, cellKey, result, null);
    }

    /**
     * metrics.json, predictions.parquet (when predictions are known; a result served from a cache made before they
     * were kept has none), log.jsonl, then row.parquet, each atomically: the row's presence means the run's files are
     * complete.
     */
    public static void write(Path dir, String cellKey, RunResult result, Predictions predictions) {
        // Temporary files of an earlier attempt killed while writing here: this attempt rewrites every file.
        for (Path stale : staleTemporaries(dir)) {
            try {
                Files.deleteIfExists(stale);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + stale + ": " + e.getMessage(), e);
            }
        }
        Json.writeAtomically(dir.resolve(METRICS), result);
        if (predictions != null) writePredictions(dir, predictions);
        Json.writeAtomically(dir.resolve(LOG), TrainingLog.lines(result));
        writeRow(dir, cellKey, result);
    }

    /**
     * Writes predictions.parquet: one row per test document (split "test": id, label, and the weak model's, the
     * student's and the ceiling's probability of class 1) and one per document of B (split "b": id, ground-truth label,
     * and the weak soft label in weak; student and ceiling null).
     */
    public static void writePredictions(Path dir, Predictions p) {
        StringBuilder rows = new StringBuilder();
        Predictions.Items items = p.items();
        for (int i = 0; i < p.testIds().size(); i++) {
            String row = predictionRow("test", p.testIds().get(i), p.testLabels()[i], p.weak()[i], p.student()[i],
                    p.ceiling()[i]);
            rows.append(items == null ? row : withItem(row, items, i));
        }
        for (int i = 0; i < p.bIds().size(); i++) {
            rows.append(predictionRow("b", p.bIds().get(i), p.bLabels()[i], p.bWeak()[i], null, null));
        }
        String itemColumns = items == null ? "" : ", weak_class: 'INTEGER', student_class: 'INTEGER', "
                + "ceiling_class: 'INTEGER', weak_credit: 'DOUBLE', student_credit: 'DOUBLE', ceiling_credit: 'DOUBLE'";
        writeParquet(dir, PREDICTIONS, (c, s) -> {
            Path jsonl = Files.createTempFile(dir, "." + PREDICTIONS, ".jsonl.tmp");
            try {
                Files.writeString(jsonl, rows);
                s.execute("CREATE TABLE t AS SELECT * FROM read_json(" + literal(jsonl)
                        + ", format = 'newline_delimited', columns = {split: 'VARCHAR', id: 'VARCHAR', "
                        + "label: 'INTEGER', weak: 'DOUBLE', student: 'DOUBLE', ceiling: 'DOUBLE'" + itemColumns
                        + "})");
            } finally {
                Files.deleteIfExists(jsonl);
            }
        });
    }

    /**
     * A K-class or choice run's test row: also each model's predicted class (or candidate) and accuracy credit (1, 0,
     * or 1/t on a t-way tie), which the summary resamples; weak, student and ceiling are then each model's probability
     * of the right answer, and label the right class (or candidate).
     */
    private static String withItem(String row, Predictions.Items items, int i) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("weak_class", items.weakClass()[i]);
        extra.put("student_class", items.studentClass()[i]);
        extra.put("ceiling_class", items.ceilingClass()[i]);
        extra.put("weak_credit", items.weakCredit()[i]);
        extra.put("student_credit", items.studentCredit()[i]);
        extra.put("ceiling_credit", items.ceilingCredit()[i]);
        String json = Json.compact(extra);
        return row.substring(0, row.length() - 2) + "," + json.substring(1) + "\n";
    }

    private static String predictionRow(String split, String id, int label, double weak, Double student,
                                        Double ceiling) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("split", split);
        row.put("id", id);
        row.put("label", label);
        row.put("weak", weak);
        row.put("student", student);
        row.put("ceiling", ceiling);
        return Json.compact(row) + "\n";
    }

    /** Writes row.parquet atomically: into a hidden temporary file beside it, then renamed into place. */
    public static void writeRow(Path dir, String cellKey, RunResult result) {
        List<Object> values = RunRow.values(cellKey, result);
        writeParquet(dir, ROW, (c, s) -> {
            s.execute("CREATE TABLE t (" + RunRow.COLUMNS.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")");
            String params = RunRow.COLUMNS.values().stream().map(t -> "CAST(? AS " + t + ")")
                    .collect(Collectors.joining(", "));
            try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (" + params + ")")) {
                for (int i = 0; i < values.size(); i++) p.setObject(i + 1, values.get(i));
                p.executeUpdate();
            }
        });
    }

    /** Fills table t of an in-memory DuckDB database. */
    private interface TableFiller {
        void fill(Connection c, Statement s) throws SQLException, IOException;
    }

    /** Writes table t, as filled, to dir/name as Parquet atomically: a hidden temporary file beside it, renamed. */
    private static void writeParquet(Path dir, String name, TableFiller filler) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
            try {
                try (Connection c = w2s.base.Natives.duckdb("jdbc:duckdb:"); Statement s = c.createStatement()) {
                    filler.fill(c, s);
                    s.execute("COPY t TO " + literal(tmp) + " (FORMAT parquet)");
                }
                try {
                    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** A path as an SQL string literal. */
    static String literal(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    /**
     * Whether a folder without a row holds a run killed while its files were written: it has files that only a w2s
     * writing rows writes before the row (log.jsonl, predictions.parquet, or one's temporary file). A folder that a
     * w2s from before rows wrote holds metrics.json (and weak labels) only.
     */
    public static boolean interrupted(Path dir) {
        if (complete(dir)) return false;
        if (Files.exists(dir.resolve(LOG)) || Files.exists(dir.resolve(PREDICTIONS))) return true;
        return !staleTemporaries(dir).isEmpty();
    }

    /** Temporary files of a run's files ({@code .metrics.json…tmp}, {@code .row.parquet…tmp}, …) left in a folder. */
    static List<Path> staleTemporaries(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (var files = Files.list(dir)) {
            return files.filter(f -> {
                String name = f.getFileName().toString();
                return name.startsWith(".") && name.endsWith(".tmp") && java.util.stream.Stream.of(ROW, METRICS, WEAK_LABELS,
                        PREDICTIONS, LOG).anyMatch(r -> name.startsWith("." + r));
            }).toList();
        } catch (IOException e) {
            return List.of();
        }
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
