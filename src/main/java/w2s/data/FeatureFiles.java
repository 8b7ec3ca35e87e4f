package w2s.data;

import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A model's feature vectors for the items of a feature-matrix task, read from one file:
 * <ul>
 *   <li>{@code .npy} (NumPy, float32 or float64, shape N×D, C order): row i is the vector of the i-th id of the labels
 *       file (its training rows, then its test file's), unless a file of ids one per line sits beside it
 *       ({@code FILE.npy.ids}), which then names each row;</li>
 *   <li>{@code .parquet}, {@code .jsonl} or {@code .csv}: columns {@code id} and {@code vector} (a list of numbers).</li>
 * </ul>
 * Every id of the task must have exactly one vector, all vectors the same length, and no value NaN or infinite:
 * anything else is a {@link DataException} naming the file and the id or line.
 */
public final class FeatureFiles {
    private FeatureFiles() {}

    /** The vectors of the given ids, in their order. */
    public static float[][] read(Path file, List<String> ids) {
        if (!Files.isRegularFile(file)) throw new DataException(file + ": no such feature file");
        String lower = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Map<String, float[]> byId = lower.endsWith(".npy") ? npyById(file, ids) : rows(file);
        float[][] out = new float[ids.size()][];
        int dim = -1;
        for (int i = 0; i < ids.size(); i++) {
            float[] v = byId.get(ids.get(i));
            if (v == null) throw new DataException(file + ": no vector for id '" + ids.get(i) + "' of the labels file");
            if (dim < 0) dim = v.length;
            if (v.length != dim) {
                throw new DataException(file + ": id '" + ids.get(i) + "' has a vector of length " + v.length + ", id '"
                        + ids.get(0) + "' one of length " + dim);
            }
            out[i] = v;
        }
        if (byId.size() > ids.size()) {
            java.util.Set<String> known = new java.util.HashSet<>(ids);
            String extra = byId.keySet().stream().filter(k -> !known.contains(k)).sorted().findFirst().orElse("?");
            throw new DataException(file + ": id '" + extra + "' is not in the labels file (" + byId.size()
                    + " vectors for " + ids.size() + " ids)");
        }
        return out;
    }

    private static Map<String, float[]> rows(Path file) {
        Map<String, float[]> byId = new HashMap<>();
        Rows.read(file, row -> {
            if (!row.has("id")) throw row.bad("id", "missing: a feature file has columns id and vector");
            String id = row.fields().get("id").asText();
            JsonNode v = row.fields().get("vector");
            if (v != null && v.isTextual()) {
                try {
                    v = w2s.base.Json.MAPPER.readTree(v.textValue());
                } catch (IOException e) {
                    throw row.bad("vector", "expected a list of numbers");
                }
            }
            if (v == null || !v.isArray()) throw row.bad("vector", "expected a list of numbers");
            float[] x = new float[v.size()];
            for (int j = 0; j < x.length; j++) {
                JsonNode e = v.get(j);
                if (!e.isNumber() && !(e.isTextual() && e.textValue().equalsIgnoreCase("nan"))) {
                    throw row.bad("vector", "id '" + id + "': element " + j + " is not a number");
                }
                x[j] = e.isNumber() ? e.floatValue() : Float.NaN;
                if (!Float.isFinite(x[j])) throw row.bad("vector", "id '" + id + "': element " + j + " is " + x[j]);
            }
            if (byId.put(id, x) != null) throw row.bad("id", "duplicate id '" + id + "'");
        });
        return byId;
    }

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,?\\s*\\)");

    /** An .npy file's rows, named by the ids file beside it or else by the labels file's ids in order. */
    private static Map<String, float[]> npyById(Path file, List<String> ids) {
        float[][] rows = npy(file);
        Path idsFile = file.resolveSibling(file.getFileName() + ".ids");
        List<String> names = ids;
        if (Files.isRegularFile(idsFile)) {
            try {
                names = Files.readAllLines(idsFile, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                        .map(String::strip).toList();
            } catch (IOException e) {
                throw new DataException(idsFile + ": cannot read: " + e.getMessage());
            }
        }
        if (rows.length != names.size()) {
            throw new DataException(file + ": " + rows.length + " rows for " + names.size() + " ids ("
                    + (names == ids ? "of the labels file, whose order its rows follow" : "in " + idsFile) + ")");
        }
        Map<String, float[]> byId = new HashMap<>();
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                if (!Float.isFinite(rows[i][j])) {
                    throw new DataException(file + ": row " + i + " (id '" + names.get(i) + "'): element " + j + " is "
                            + rows[i][j]);
                }
            }
            if (byId.put(names.get(i), rows[i]) != null) throw new DataException(idsFile + ": duplicate id '" + names.get(i) + "'");
        }
        return byId;
    }

    /** An N×D float32 or float64 array from a NumPy .npy file (format 1.0, 2.0 or 3.0), as float32 rows. */
    public static float[][] npy(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            byte[] magic = new byte[6];
            in.readFully(magic);
            if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
                throw new DataException(file + ": not a NumPy .npy file");
            }
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            int headerLength = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(in.readShort()))
                    : Integer.reverseBytes(in.readInt());
            byte[] headerBytes = new byte[headerLength];
            in.readFully(headerBytes);
            String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header);
            Matcher f = FORTRAN.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) {
                throw new DataException(file + ": expected a 2-dimensional array (rows × features), header " + header.strip());
            }
            if (f.group(1).equals("True")) throw new DataException(file + ": Fortran-ordered arrays are not read; save with np.ascontiguousarray");
            String descr = d.group(1);
            int width = switch (descr) {
                case "<f4" -> 4;
                case "<f8" -> 8;
                default -> throw new DataException(file + ": dtype " + descr + "; expected float32 (<f4) or float64 (<f8)");
            };
            int n = Integer.parseInt(s.group(1));
            int dim = Integer.parseInt(s.group(2));
            float[][] out = new float[n][dim];
            byte[] buf = new byte[dim * width];
            ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                in.readFully(buf);
                bb.rewind();
                if (width == 4) bb.asFloatBuffer().get(out[i]);
                else for (int j = 0; j < dim; j++) out[i][j] = (float) bb.getDouble(j * 8);
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such feature file");
        } catch (java.io.EOFException e) {
            throw new DataException(file + ": shorter than its header says (truncated?)");
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Writes an N×D float32 .npy file (for the built-in example and tests). */
    public static void writeNpy(Path file, float[][] x) throws IOException {
        int dim = x.length == 0 ? 0 : x[0].length;
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + x.length + ", " + dim + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length());
        String fullHeader = header;
        // Whole or not at all: a run must never read a feature file cut short by a killed writer.
        w2s.base.Json.writeAtomically(file, stream -> {
            var out = new java.io.BufferedOutputStream(stream, 1 << 20);
            out.write(head.array());
            out.write(fullHeader.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer row = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] r : x) {
                row.clear();
                row.asFloatBuffer().put(r);
                out.write(row.array());
            }
            out.flush();
        });
    }
}
