package w2s.base;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

/**
 * JSON for configurations and results: snake_case keys, undefined numbers (NaN, e.g. a PGR whose ceiling is not above
 * its weak model) written as null so every JSON reader and SQL engine accepts the files, and atomic writes.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(new SimpleModule("finite-doubles")
                    .addSerializer(Double.class, new FiniteDouble())
                    .addSerializer(double.class, new FiniteDouble()));

    private static final SecureRandom RANDOM = new SecureRandom();

    private Json() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #MAPPER} on one line. */
    private static final com.fasterxml.jackson.databind.ObjectWriter COMPACT =
            MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    /** One line of JSON, for JSONL files and hashing. */
    public static String compact(Object value) {
        try {
            return COMPACT.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    /** Writes the value to a temporary file beside the target and renames it into place, so readers never see half. */
    public static void writeAtomically(Path file, Object value) {
        writeAtomically(file, write(value) + "\n");
    }

    public static void writeAtomically(Path file, String content) {
        writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeAtomically(Path file, byte[] content) {
        writeAtomically(file, out -> out.write(content));
    }

    /**
     * Writes n JSON lines, line(i) each, streamed to the temporary file: a run's 20,000 weak labels of 1,000 classes
     * are 250 MB of text, which as one string would take three times that in the heap on the way out.
     */
    public static void writeLinesAtomically(Path file, int n, java.util.function.IntFunction<Object> line) {
        writeAtomically(file, out -> {
            java.io.OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
            for (int i = 0; i < n; i++) {
                buffered.write(COMPACT.writeValueAsBytes(line.apply(i)));
                buffered.write('\n');
            }
            buffered.flush();
        });
    }

    /** What writes a file's content to its stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** Writes the content to a temporary file beside the target and renames it into place: readers never see half. */
    public static void writeAtomically(Path file, Content content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // Not Files.createTempFile, which makes the file 0600: results are created as any file is (0666 less
            // the umask), so colleagues on a shared machine can read them when the umask lets them.
            Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                try (java.io.OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    content.writeTo(out);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static final class FiniteDouble extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) gen.writeNull();
            else gen.writeNumber(value);
        }
    }
}
