package w2s.results;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import w2s.base.Json;
import w2s.elicit.CcsClassifier;
import w2s.encode.Encoders;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.model.source.Pretrained;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/**
 * Finished runs as rows of one table, {@code runs}, in an embedded DuckDB file: the configuration as columns to
 * group by, the metrics, and both as JSON. The cell key is the primary key and each row is written in its own
 * transaction, so a killed writer leaves either the whole row or none, and a cell is never stored twice.
 * Undefined metrics (a PGR whose ceiling is not above the weak model) are NULL, as are unbounded interval bounds.
 * flags is the run's comma-separated flags ('' for none, NULL for runs stored before flags existed).
 */
public final class ResultStore implements AutoCloseable {
    /** Columns after the key, each with its SQL type; see {@link #values}. */
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        for (String c : List.of("task", "weak", "strong", "mode", "loss", "chain", "early_stop")) COLUMNS.put(c, "VARCHAR");
        for (String c : List.of("seed", "weak_params", "strong_params")) COLUMNS.put(c, "BIGINT");
        for (String c : List.of("s2s", "n_a", "n_b", "n_test")) COLUMNS.put(c, "INTEGER");
        for (String c : List.of("weak_acc", "w2s_acc", "ceiling_acc", "pgr", "weak_auroc", "w2s_auroc",
                "ceiling_auroc", "w2s_ece", "agreement_all", "agreement_weak_correct", "agreement_weak_wrong",
                "weak_label_accuracy", "seconds")) {
            COLUMNS.put(c, "DOUBLE");
        }
        COLUMNS.put("config_json", "VARCHAR");
        COLUMNS.put("result_json", "VARCHAR");
        // Added later: a store made before them gains them, NULL in its old rows (see ADDED).
        for (String c : List.of("pgr_auroc", "pgr_lo", "pgr_hi", "gap_lo", "gap_hi")) COLUMNS.put(c, "DOUBLE");
        for (String c : List.of("flags", "w2s_version", "w2s_commit")) COLUMNS.put(c, "VARCHAR");
    }

    /** Columns a store written by an older version may lack. */
    private static final List<String> ADDED = List.of("pgr_auroc", "pgr_lo", "pgr_hi", "gap_lo", "gap_hi", "flags",
            "w2s_version", "w2s_commit");

    private final Connection connection;

    private ResultStore(Connection connection) {
        this.connection = connection;
    }

    /** Opens (creating if needed) a store file. DuckDB lets one process write a file at a time. */
    public static ResultStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            w2s.base.Natives.beforeDuckDb();
            Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
            w2s.base.Natives.afterDuckDbLoaded();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS runs (cell_key VARCHAR PRIMARY KEY, "
                        + COLUMNS.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", "))
                        + ", created_at TIMESTAMP DEFAULT current_timestamp)");
                for (String column : ADDED) {
                    s.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS " + column + " " + COLUMNS.get(column));
                }
            }
            c.setAutoCommit(false);
            c.commit();
            return new ResultStore(c);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot open results store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Size order of models, for sweeps and plots: pretrained models by parameter count (a CCS supervisor by its
     * model's); bow's head holds up to 2×50,000.
     */
    public static long parameters(String model) {
        if (model.equals(Models.BOW)) return 100_000;
        String name = model.startsWith(CcsClassifier.PREFIX) ? model.substring(CcsClassifier.PREFIX.length()) : model;
        for (var e : Encoders.all()) if (e.name().equals(name)) return e.parameters();
        return Pretrained.get(name).parameters();
    }

    public synchronized Set<String> keys() {
        Set<String> keys = new HashSet<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT cell_key FROM runs")) {
            while (rs.next()) keys.add(rs.getString(1));
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the results store: " + e.getMessage(), e);
        }
        return keys;
    }

    /** Stores a finished run under its cell key; returns false if the key is already stored. */
    public synchronized boolean add(String key, RunResult r) {
        String sql = "INSERT OR IGNORE INTO runs (cell_key, " + String.join(", ", COLUMNS.keySet()) + ") VALUES (?"
                + ", ?".repeat(COLUMNS.size()) + ")";
        try (PreparedStatement p = connection.prepareStatement(sql)) {
            p.setString(1, key);
            List<Object> values = values(r);
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                if (v instanceof Double d && !Double.isFinite(d)) v = null;
                p.setObject(i + 2, v);
            }
            int n = p.executeUpdate();
            connection.commit();
            return n == 1;
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is unusable; the original error says why
            }
            throw new IllegalStateException("cannot store a result: " + e.getMessage(), e);
        }
    }

    private static List<Object> values(RunResult r) {
        ExperimentConfig c = r.config();
        ExperimentConfig.EarlyStop es = c.earlyStop();
        // Intervals and flags are null in results made before they existed (read back from an old stage cache).
        return Arrays.asList(r.task().name(), c.weak().name(), c.strong().name(), c.strong().mode().id(), c.loss(),
                c.via().stream().map(ModelConfig::name).collect(Collectors.joining(",")),
                es == null ? "" : es.metric() + "@" + es.fraction() + "/" + es.every(),
                c.seed(), parameters(c.weak().name()), parameters(c.strong().name()),
                c.s2s(), r.nA(), r.nB(), r.nTest(),
                r.weakAccuracy(), r.w2sAccuracy(), r.ceilingAccuracy(), r.pgr(), r.weakAuroc(), r.w2sAuroc(),
                r.ceilingAuroc(), r.w2sEce(), r.agreementAll(), r.agreementWeakCorrect(), r.agreementWeakWrong(),
                r.weakLabelAccuracy(), r.seconds().getOrDefault("total", Double.NaN),
                Json.compact(c), Json.compact(r),
                r.pgrAuroc(), r.pgrCi() == null ? null : r.pgrCi().lo(), r.pgrCi() == null ? null : r.pgrCi().hi(),
                r.gapCi() == null ? null : r.gapCi().lo(), r.gapCi() == null ? null : r.gapCi().hi(),
                r.flags() == null ? null : String.join(",", r.flags()),
                r.environment().get("w2s_version"), r.environment().get("w2s_commit"));
    }

    /** The result of a query: column names and rows of JDBC values. */
    public record Rows(List<String> columns, List<List<Object>> rows) {
        public int column(String name) {
            int i = columns.indexOf(name);
            if (i < 0) throw new IllegalArgumentException("no column " + name + " in " + columns);
            return i;
        }
    }

    public synchronized Rows query(String sql) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) columns.add(rs.getMetaData().getColumnLabel(i));
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) row.add(rs.getObject(i));
                rows.add(row);
            }
            connection.commit();
            return new Rows(columns, rows);
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // nothing was written; the query's error is the one to report
            }
            throw new IllegalArgumentException("query failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
