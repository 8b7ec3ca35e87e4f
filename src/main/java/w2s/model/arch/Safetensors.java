package w2s.model.arch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header giving each tensor's dtype, shape and
 * byte range, then the raw little-endian data. F32, F16 and BF16 tensors are read (as fp32); integer tensors such as
 * BERT's position_ids buffer are skipped. Written tensors are F32.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Where one tensor lies in a safetensors file: its dtype, shape and byte range after the header. */
    public record Stored(Path file, String name, String dtype, long[] shape, long offset, long length) {}

    /**
     * The tensors of a file without their data: names, dtypes, shapes and byte ranges, checked against the file's
     * size. Integer tensors (BERT's position_ids buffer) are left out.
     */
    public static Map<String, Stored> index(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(len, 0) != 8) throw new IOException(file + ": too short for a safetensors file");
            long headerLength = len.getLong(0);
            if (headerLength <= 0 || headerLength > Math.min(100_000_000L, ch.size() - 8)) {
                throw new IOException(file + ": invalid safetensors header length " + headerLength);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            ch.read(header, 8);
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IOException(file + ": damaged safetensors header (" + e.getOriginalMessage() + ")");
            }
            long base = 8 + headerLength;
            Map<String, Stored> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                String name = e.getKey();
                String dtype = e.getValue().path("dtype").asText();
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> 0;
                };
                if (width == 0) continue;
                long[] shape = new long[e.getValue().path("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) count *= shape[i] = e.getValue().path("shape").get(i).asLong();
                long begin = e.getValue().path("data_offsets").get(0).asLong();
                long end = e.getValue().path("data_offsets").get(1).asLong();
                if (end - begin != count * width || base + end > ch.size() || count > Integer.MAX_VALUE) {
                    throw new IOException(file + ": tensor '" + name + "' has byte range [" + begin + ", " + end
                            + ") that does not fit its " + dtype + " shape or the file");
                }
                tensors.put(name, new Stored(file, name, dtype, shape, base + begin, end - begin));
            }
            return tensors;
        }
    }

    /**
     * One tensor's data as fp32, read (not memory-mapped) so that only what the caller keeps stays resident: a model
     * is built one tensor at a time and never holds the file in memory.
     */
    public static Tensor load(Stored s) throws IOException {
        try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            // Read through one reused direct buffer: a heap buffer per tensor would grow the heap by a second copy.
            ByteBuffer raw = READ_BUFFER.get();
            if (raw == null || raw.capacity() < s.length()) {
                raw = ByteBuffer.allocateDirect((int) s.length());
                READ_BUFFER.set(raw);
            }
            raw.clear().limit((int) s.length());
            raw.order(ByteOrder.LITTLE_ENDIAN);
            while (raw.hasRemaining()) {
                if (ch.read(raw, s.offset() + raw.position()) < 0) {
                    throw new IOException(s.file() + ": ends inside tensor '" + s.name() + "'");
                }
            }
            raw.flip();
            float[] data = new float[(int) (s.length() / (s.dtype().equals("F32") ? 4 : 2))];
            switch (s.dtype()) {
                case "F32" -> raw.asFloatBuffer().get(data);
                case "F16" -> { for (int i = 0; i < data.length; i++) data[i] = halfToFloat(raw.getShort()); }
                default -> { for (int i = 0; i < data.length; i++) data[i] = Float.intBitsToFloat(raw.getShort() << 16); }
            }
            return new Tensor(s.shape(), data);
        }
    }

    private static final ThreadLocal<ByteBuffer> READ_BUFFER = new ThreadLocal<>();

    /** Every float tensor of a file, read into memory. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Stored s : index(file).values()) tensors.put(s.name(), load(s));
        return tensors;
    }

    /** IEEE 754 binary16 to fp32 (Float.float16ToFloat exists only from Java 20). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero)
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            for (long d : e.getValue().shape()) t.withArray("shape").add(d);
            long bytes = (long) e.getValue().data().length * Float.BYTES;
            t.withArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = mapper.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the format asks for 8-byte aligned data
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
            for (Tensor t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate(t.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(t.data());
                out.write(buf.array());
            }
        }
    }
}
