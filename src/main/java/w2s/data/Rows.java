package w2s.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Reads the rows of a data file: JSON Lines ({@code .jsonl}, or {@code .json} as Hugging Face's {@code to_json}
 * writes it), CSV ({@code .csv}, with a header) or Parquet ({@code .parquet}, through DuckDB). Rows are handed over
 * one at a time so that a large file is never held in memory as rows. A UTF-8 byte-order mark and blank lines are
 * skipped; CSV fields may hold quoted line breaks; malformed UTF-8, malformed records and duplicate column names stop
 * the read with the file and line.
 */
public final class Rows {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Rows() {}

    /** Whether the file has an extension this class reads. */
    public static boolean isDataFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".csv") || name.endsWith(".parquet");
    }

    /** The file's first row, or null if it has none: what kind of task a file holds, read without the rest. */
    public static Row first(Path file) {
        Row[] first = new Row[1];
        try {
            read(file, r -> {
                first[0] = r;
                throw new FirstRowRead();
            });
        } catch (FirstRowRead done) {
            // the rest of the file is not needed
        }
        return first[0];
    }

    /** Stops {@link #read} after its first row (no stack trace: it is not an error). */
    private static final class FirstRowRead extends RuntimeException {
        FirstRowRead() {
            super(null, null, false, false);
        }
    }

    /** Reads every row of the file into sink and returns the SHA-256 of the file's bytes. */
    public static String read(Path file, Consumer<Row> sink) {
        if (!isDataFile(file)) {
            throw new DataException(file + ": unknown format; expected .jsonl, .json, .csv or .parquet");
        }
        String name = file.toString();
        boolean parquet = name.toLowerCase(Locale.ROOT).endsWith(".parquet");
        try (InputStream raw = Files.newInputStream(file);
             DigestInputStream in = new DigestInputStream(raw, sha256())) {
            if (parquet) {
                parquet(file, sink);
                in.transferTo(OutputStream.nullOutputStream());
            } else {
                Reader reader = utf8(in);
                if (name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
                    csv(name, reader, sink);
                } else {
                    jsonl(name, new BufferedReader(reader), sink);
                }
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new DataException(name, firstNonUtf8Line(file), null, "not valid UTF-8 text");
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** JSON Lines: one object per line. */
    static void jsonl(String name, BufferedReader in, Consumer<Row> sink) throws IOException {
        long index = 0;
        long lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (lineNo == 1) line = withoutBom(line);
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DataException(name, lineNo, null, "malformed JSON: " + e.getOriginalMessage()
                        + (lineNo == 1 && line.strip().startsWith("[") ? " (a JSON array; expected JSON Lines, one "
                        + "object per line, as Hugging Face's to_json writes)" : ""));
            }
            if (!node.isObject()) throw new DataException(name, lineNo, null, "expected a JSON object");
            sink.accept(new Row(name + ":" + lineNo, index++, (ObjectNode) node));
        }
    }

    /** CSV with a header row; a record's line is the line it starts on. */
    static void csv(String name, Reader reader, Consumer<Row> sink) throws IOException {
        // Empty lines are not ignored by the parser but skipped here, so that its line count stays exact.
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(false).setAllowMissingColumnNames(true) // pandas' unnamed index column
                .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_EMPTY).build();
        BufferedReader in = new BufferedReader(reader);
        in.mark(1);
        if (in.read() != '\uFEFF') in.reset();
        CSVParser parser;
        try {
            parser = format.parse(in);
        } catch (IllegalArgumentException e) {
            throw new DataException(name, 1, null, "bad header: " + e.getMessage());
        }
        // The parser is not closed: that would close the caller's stream before it is fully hashed.
        if (parser.getHeaderNames().isEmpty()) throw new DataException(name + ": empty file; expected a header");
        int columns = parser.getHeaderNames().size();
        long index = 0;
        long line = parser.getCurrentLineNumber() + 1;
        // The iterator parses a record in hasNext(), so the line count then includes the record's own lines.
        Iterator<CSVRecord> records = parser.iterator();
        for (; hasNext(name, records, line); line = parser.getCurrentLineNumber() + 1) {
            CSVRecord record = records.next();
            if (record.size() == 1 && record.get(0).isEmpty() && columns > 1) continue; // blank line
            if (record.size() != columns) {
                throw new DataException(name, line, null, "expected " + columns + " fields as in the header, found "
                        + record.size());
            }
            ObjectNode fields = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < columns; i++) fields.put(parser.getHeaderNames().get(i), record.get(i));
            sink.accept(new Row(name + ":" + line, index++, fields));
        }
    }

    private static boolean hasNext(String name, Iterator<CSVRecord> records, long line) throws IOException {
        try {
            return records.hasNext();
        } catch (UncheckedIOException | IllegalStateException e) {
            if (e.getCause() instanceof CharacterCodingException c) throw c; // reported with its exact line
            throw new DataException(name, line, null, "malformed CSV: " + e.getMessage());
        }
    }

    /** Parquet, each row turned into JSON by DuckDB (lists stay lists, structs become objects). */
    static void parquet(Path file, Consumer<Row> sink) {
        String name = file.toString();
        w2s.base.Natives.beforeDuckDb();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
             PreparedStatement query = db.prepareStatement("SELECT to_json(w2s_row) FROM read_parquet(?) AS w2s_row")) {
            w2s.base.Natives.afterDuckDbLoaded();
            query.setString(1, file.toAbsolutePath().toString());
            try (ResultSet rows = query.executeQuery()) {
                long index = 0;
                while (rows.next()) {
                    JsonNode node = JSON.readTree(rows.getString(1));
                    sink.accept(new Row(name + ", row index " + index, index++, (ObjectNode) node));
                }
            }
        } catch (SQLException e) {
            throw new DataException(name + ": cannot read as Parquet: " + e.getMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DuckDB wrote malformed JSON", e);
        }
    }

    /**
     * The first line that is not valid UTF-8. A decoder reads ahead, so its failure does not tell the line; this
     * second pass, on the error path only, does.
     */
    private static long firstNonUtf8Line(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long line = 1;
            for (int start = 0; start <= bytes.length; line++) {
                int end = start;
                while (end < bytes.length && bytes[end] != '\n') end++;
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes, start, end - start));
                } catch (CharacterCodingException e) {
                    return line;
                }
                start = end + 1;
            }
        } catch (IOException e) {
            // fall through: the line is unknown
        }
        return 0;
    }

    static Reader utf8(InputStream in) {
        return new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    private static String withoutBom(String line) {
        return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
