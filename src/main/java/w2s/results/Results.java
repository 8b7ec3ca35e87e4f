package w2s.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import w2s.base.Json;
import w2s.experiment.RunResult;

/**
 * Runs to query: a table {@code runs} with the columns of {@link RunRow} (the names of metrics.json), in an in-memory
 * DuckDB over the files, so nothing is locked and a sweep may keep writing while it is read.
 *
 * <p>From a folder: every run folder below it (a sweep's {@code --out}, a {@code run}'s {@code --out}, or any folder
 * holding such folders, however nested and however many sweeps wrote into it). A folder's {@code row.parquet} is read
 * with {@code read_parquet}; a folder with only {@code metrics.json} (written by a w2s before rows existed) is read from
 * that; a folder with neither (a run killed while it was writing) is skipped, with a note. From a file: a DuckDB store
 * written by earlier versions ({@code --store FILE}), attached read-only and shown with the same columns.
 */
public final class Results implements AutoCloseable {
    private final Connection connection;
    private final List<String> notes;
    private final String source;
    /** The row files read (one per finished run) and the folders of runs read from metrics.json, by cell key. */
    private final List<Path> rowFiles;
    private final Map<String, Path> metricsFolders;

    private Results(Connection connection, List<String> notes, String source) {
        this(connection, notes, source, List.of(), Map.of());
    }

    private Results(Connection connection, List<String> notes, String source, List<Path> rowFiles,
                    Map<String, Path> metricsFolders) {
        this.connection = connection;
        this.notes = notes;
        this.source = source;
        this.rowFiles = rowFiles;
        this.metricsFolders = metricsFolders;
    }

    /**
     * Each run's folder by its cell_key, so files beside the row (predictions.parquet) can be read; empty for a
     * DuckDB store, which has no folders. A cell key stored in two folders (a run copied) keeps the first.
     */
    public synchronized Map<String, Path> folders() {
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        if (!rowFiles.isEmpty()) {
            ResultStore.Rows rows = query("SELECT cell_key, filename FROM read_parquet([" + rowFiles.stream()
                    .map(RunFiles::literal).collect(Collectors.joining(", ")) + "], union_by_name = true, "
                    + "filename = true)");
            for (List<Object> r : rows.rows()) {
                out.putIfAbsent((String) r.get(0), Path.of((String) r.get(1)).toAbsolutePath().getParent());
            }
        }
        metricsFolders.forEach(out::putIfAbsent);
        return out;
    }

    /** A folder of run folders, or a DuckDB store file. */
    public static Results open(Path path) {
        if (Files.isDirectory(path)) return folder(path);
        if (Files.isRegularFile(path)) return store(path);
        throw new IllegalArgumentException("no results at " + path + ": give a folder of runs (a sweep's --out) or a "
                + "DuckDB store (--store FILE)");
    }

    /** What was skipped or read in a fallback way, one sentence each, for stderr. */
    public List<String> notes() {
        return notes;
    }

    public String source() {
        return source;
    }

    private static Connection memory() throws SQLException {
        return w2s.base.Natives.duckdb("jdbc:duckdb:");
    }

    private static String schema() {
        return RunRow.COLUMNS.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static Results folder(Path root) {
        List<String> notes = new ArrayList<>();
        List<Path> rows = new ArrayList<>();
        List<Path> fromMetrics = new ArrayList<>();
        Map<String, Path> metricsFolders = new java.util.LinkedHashMap<>();
        for (Path dir : runFolders(root)) {
            Path row = dir.resolve(RunFiles.ROW);
            Path metrics = dir.resolve(RunFiles.METRICS);
            if (RunFiles.isParquet(row)) {
                rows.add(row);
            } else if (Files.isRegularFile(metrics)) {
                if (Files.exists(row)) {
                    notes.add(root.relativize(dir) + ": " + RunFiles.ROW + " is not a whole Parquet "
                            + "file; read from " + RunFiles.METRICS + " instead");
                    fromMetrics.add(dir);
                } else if (RunFiles.interrupted(dir)) {
                    notes.add("skipped " + root.relativize(dir) + ": an interrupted run (" + RunFiles.METRICS
                            + " written, " + RunFiles.ROW + " not: killed while writing its files; the next run or sweep"
                            + " into this folder redoes it)");
                } else {
                    fromMetrics.add(dir);
                }
            } else {
                notes.add("skipped " + root.relativize(dir) + ": a half-written run (no " + RunFiles.METRICS + " or "
                        + RunFiles.ROW + "; killed while writing, or still running)");
            }
        }
        try {
            Connection c = memory();
            try (Statement s = c.createStatement()) {
                // Each run once: a run folder copied elsewhere in the tree holds the same cell key.
                Map<String, Path> seen = new java.util.HashMap<>();
                List<Path> kept = new ArrayList<>();
                if (!rows.isEmpty()) {
                    Map<Path, String> keys = new java.util.HashMap<>();
                    try (ResultSet rs = s.executeQuery("SELECT filename, cell_key FROM read_parquet(["
                            + rows.stream().map(RunFiles::literal).collect(Collectors.joining(", "))
                            + "], union_by_name = true, filename = true)")) {
                        while (rs.next()) keys.put(Path.of(rs.getString(1)).toAbsolutePath().normalize(), rs.getString(2));
                    }
                    for (Path row : rows) {
                        String key = keys.get(row.toAbsolutePath().normalize());
                        if (key == null || once(root, seen, key, row.getParent(), notes)) kept.add(row);
                    }
                }
                s.execute("CREATE TEMP TABLE runs_from_metrics (" + schema() + ")");
                int read = 0;
                for (Path dir : fromMetrics) {
                    RunResult r;
                    try {
                        r = Json.MAPPER.readValue(dir.resolve(RunFiles.METRICS).toFile(), RunResult.class);
                    } catch (IOException | RuntimeException e) {
                        notes.add("skipped " + root.relativize(dir) + ": its " + RunFiles.METRICS + " is not a result ("
                                + e.getMessage().lines().findFirst().orElse("") + ")");
                        continue;
                    }
                    String key = cellKey(r);
                    if (key == null) {
                        key = "metrics.json:" + root.relativize(dir);
                        notes.add(root.relativize(dir) + ": its cell key cannot be recomputed from its "
                                + RunFiles.METRICS + " (no config or data hash, or its weak-labels file is gone); keyed"
                                + " by its folder");
                    }
                    if (!once(root, seen, key, dir, notes)) continue;
                    insert(c, "runs_from_metrics", key, r);
                    metricsFolders.put(key, dir);
                    read++;
                }
                if (read > 0) notes.add(read + " run(s) read from " + RunFiles.METRICS + " (no " + RunFiles.ROW
                        + ": written by an earlier w2s)");
                String view = "SELECT * FROM runs_from_metrics";
                if (!kept.isEmpty()) {
                    view = "SELECT * FROM read_parquet([" + kept.stream().map(RunFiles::literal)
                            .collect(Collectors.joining(", ")) + "], union_by_name = true) UNION ALL BY NAME " + view;
                }
                // The column order of RunRow, whatever the files hold.
                s.execute("CREATE TEMP VIEW runs AS SELECT " + String.join(", ", RunRow.COLUMNS.keySet())
                        + " FROM (" + view + ")");
            }
            return new Results(c, notes, root.toString(), List.copyOf(rows), metricsFolders);
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot read the runs in " + root + ": " + e.getMessage(), e);
        }
    }

    /** Whether this is the first folder of run {@code key}; a later one is noted as a copy and not counted. */
    private static boolean once(Path root, Map<String, Path> seen, String key, Path dir, List<String> notes) {
        Path first = seen.putIfAbsent(key, dir);
        if (first == null) return true;
        notes.add("counted once: " + root.relativize(dir) + " is the same run as " + root.relativize(first)
                + " (cell key " + key.substring(0, Math.min(12, key.length())) + ")");
        return false;
    }

    /**
     * The cell key a run was stored under, recomputed from its metrics.json (its config and its data's hash, as
     * {@link w2s.experiment.Experiment#cellKey} computes it), or null when they are not there.
     */
    static String cellKey(RunResult r) {
        if (r.config() == null || r.task() == null || r.task().provenance() == null
                || r.task().provenance().sha256() == null) {
            return null;
        }
        try {
            return w2s.experiment.Experiment.cellKey(r.config(), r.task().provenance().sha256());
        } catch (RuntimeException e) {
            return null; // a weak-labels file named by the config and gone since
        }
    }

    /** Folders below root that hold a run's files, finished or not, sorted. */
    static List<Path> runFolders(Path root) {
        Set<Path> dirs = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String name = f.getFileName().toString();
                List<String> runFiles = List.of(RunFiles.ROW, RunFiles.METRICS, RunFiles.WEAK_LABELS,
                        RunFiles.PREDICTIONS, RunFiles.LOG);
                if (runFiles.contains(name) || (name.startsWith(".") && name.endsWith(".tmp")
                        && runFiles.stream().anyMatch(r -> name.startsWith("." + r)))) {
                    dirs.add(f.getParent());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return new ArrayList<>(dirs);
    }

    private static void insert(Connection c, String table, String key, RunResult r) throws SQLException {
        String params = RunRow.COLUMNS.values().stream().map(t -> "CAST(? AS " + t + ")").collect(Collectors.joining(", "));
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table + " VALUES (" + params + ")")) {
            List<Object> values = RunRow.values(key, r);
            for (int i = 0; i < values.size(); i++) p.setObject(i + 1, values.get(i));
            p.executeUpdate();
        }
    }

    /**
     * A DuckDB store of earlier versions, attached read-only; its columns renamed to metrics.json's and whatever it
     * kept only in result_json taken from there.
     */
    private static Results store(Path file) {
        try {
            Connection c = memory();
            try (Statement s = c.createStatement()) {
                s.execute("ATTACH " + RunFiles.literal(file) + " AS store (READ_ONLY)");
                Set<String> have = new HashSet<>();
                try (ResultSet rs = s.executeQuery("SELECT column_name FROM duckdb_columns() WHERE database_name = "
                        + "'store' AND table_name = 'runs'")) {
                    while (rs.next()) have.add(rs.getString(1));
                }
                if (have.isEmpty()) throw new IllegalArgumentException(file + " holds no table runs");
                Map<String, String> renamed = Map.of("weak_accuracy", "weak_acc", "w2s_accuracy", "w2s_acc",
                        "ceiling_accuracy", "ceiling_acc", "config", "config_json");
                Map<String, String> json = Map.of("weak_mode", "$.config.weak.mode", "ceiling_on", "$.config.ceiling_on",
                        "w2s_version", "$.environment.w2s_version", "w2s_commit", "$.environment.w2s_commit",
                        "task_info", "$.task", "seconds", "$.seconds.total");
                List<String> select = new ArrayList<>();
                for (var e : RunRow.COLUMNS.entrySet()) {
                    String name = e.getKey();
                    String type = e.getValue();
                    String expr;
                    if (name.equals("flags") && have.contains("flags")) {
                        expr = "CASE WHEN flags IS NULL THEN NULL WHEN flags = '' THEN []::VARCHAR[] "
                                + "ELSE string_split(flags, ',') END";
                    } else if (name.endsWith("_params") && have.contains(name)) {
                        // Earlier stores gave bow a made-up size; it has none.
                        String model = name.substring(0, name.indexOf('_'));
                        expr = "CASE WHEN " + model + " = 'bow' THEN NULL ELSE " + name + " END";
                    } else if (have.contains(renamed.getOrDefault(name, name)) && !json.containsKey(name)) {
                        expr = renamed.getOrDefault(name, name);
                    } else if (have.contains("result_json")) {
                        String at = "result_json, '" + json.getOrDefault(name, "$." + name) + "'";
                        if (NESTED.contains(name)) expr = "CAST(json_extract(" + at + ") AS VARCHAR)";
                        else if (type.endsWith("[]")) expr = "TRY_CAST(json_extract(" + at + ") AS " + type + ")";
                        else expr = "TRY_CAST(json_extract_string(" + at + ") AS " + type + ")";
                    } else {
                        expr = "NULL";
                    }
                    select.add("CAST(" + expr + " AS " + type + ") AS " + name);
                }
                s.execute("CREATE TEMP VIEW runs AS SELECT " + String.join(", ", select) + " FROM store.runs");
            }
            return new Results(c, new ArrayList<>(), file.toString());
        } catch (SQLException e) {
            throw new IllegalArgumentException("cannot read results store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Columns holding a part of metrics.json as JSON text. */
    private static final Set<String> NESTED = Set.of("reliability", "w2s_curve", "ceiling_curve", "steps",
            "label_repair", "label_filter", "task_info");

    /** A query's rows; list values (intervals, flags) come as Java lists. */
    public synchronized ResultStore.Rows query(String sql) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rows(rs);
        } catch (SQLException e) {
            throw new IllegalArgumentException("query failed: " + e.getMessage(), e);
        }
    }

    /**
     * Any statement: a query's rows, or, for one that returns none (COPY, CREATE, SET), empty rows and how many rows
     * it changed (null if it does not say).
     */
    public synchronized Executed execute(String sql) {
        try (Statement s = connection.createStatement()) {
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    return new Executed(rows(rs), null);
                }
            }
            int n = s.getUpdateCount();
            return new Executed(new ResultStore.Rows(List.of(), List.of()), n >= 0 ? (long) n : null);
        } catch (SQLException e) {
            throw new IllegalArgumentException("query failed: " + e.getMessage(), e);
        }
    }

    /** What a statement gave back. */
    public record Executed(ResultStore.Rows rows, Long changed) {}

    private static ResultStore.Rows rows(ResultSet rs) throws SQLException {
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) columns.add(rs.getMetaData().getColumnLabel(i));
        List<List<Object>> out = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) row.add(value(rs.getObject(i)));
            out.add(row);
        }
        return new ResultStore.Rows(columns, out);
    }

    private static Object value(Object o) throws SQLException {
        if (o instanceof Array a) {
            Object[] items = (Object[]) a.getArray();
            List<Object> list = new ArrayList<>();
            for (Object item : items) list.add(value(item));
            return list;
        }
        return o;
    }

    /** Export formats and the DuckDB COPY options that write them. */
    public static final List<String> FORMATS = List.of("csv", "parquet", "json");

    /**
     * Writes the runs (or a query's rows) to a file, atomically: csv (with a header), parquet, or json (one object
     * per line), each readable without a second parser of our making. In CSV, a list (an interval, flags) or a nested
     * part of metrics.json (config, reliability, curves, steps) is one line of JSON text in its cell, so
     * {@code json.loads} reads it; in JSON the nested parts are objects and arrays, not strings; Parquet keeps lists as
     * lists and nested parts as JSON text, as the run rows hold them.
     */
    public void export(String format, Path out, String sql) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("--format must be one of " + String.join(", ", FORMATS) + ", got " + format);
        }
        String options = switch (f) {
            case "csv" -> "FORMAT csv, HEADER";
            case "parquet" -> "FORMAT parquet";
            default -> "FORMAT json";
        };
        String query = sql != null ? sql : "SELECT * FROM runs ORDER BY task, weak, strong, loss, seed, cell_key";
        if (!f.equals("parquet")) query = asJsonCells(query, f.equals("csv"));
        try {
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
            try {
                execute("COPY (" + query + ") TO " + RunFiles.literal(tmp) + " (" + options + ")");
                try {
                    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * The query with its nested values made plain JSON: lists and structs as JSON text when {@code text} (CSV cells),
     * and the columns holding metrics.json's nested parts parsed as JSON (minified text for CSV, objects for JSON).
     */
    private String asJsonCells(String query, boolean text) {
        List<String> select = new ArrayList<>();
        for (List<Object> column : query("DESCRIBE " + query).rows()) {
            String name = String.valueOf(column.get(0)), type = String.valueOf(column.get(1));
            String quoted = "\"" + name.replace("\"", "\"\"") + "\"";
            boolean composite = type.endsWith("]") || type.startsWith("STRUCT") || type.startsWith("MAP");
            if (NESTED.contains(name) || name.equals("config")) {
                select.add((text ? "CAST(json(" + quoted + ") AS VARCHAR)" : "json(" + quoted + ")") + " AS " + quoted);
            } else if (composite && text) {
                select.add("CAST(to_json(" + quoted + ") AS VARCHAR) AS " + quoted);
            } else {
                select.add(quoted);
            }
        }
        return "SELECT " + String.join(", ", select) + " FROM (" + query + ")";
    }

    public long count() {
        return ((Number) query("SELECT count(*) FROM runs").rows().get(0).get(0)).longValue();
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
