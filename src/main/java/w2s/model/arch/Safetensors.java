package w2s.model.arch;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import w2s.torch.Tensor;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header giving each tensor's dtype, shape and
 * byte range, then the raw little-endian data. F32, F16 and BF16 tensors are read, straight into libtorch tensors of
 * any dtype ({@link #stored}) or as fp32 Java arrays ({@link #read}); integer tensors such as BERT's position_ids
 * buffer are skipped. Written tensors are F32.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Where one tensor lies in a safetensors file: its dtype, shape and byte range after the header. */
    public record Stored(Path file, String name, String dtype, long[] shape, long offset, long length) {}

    /**
     * The tensors of a file without their data: names, dtypes, shapes and byte ranges. The header is validated as
     * the reference library (huggingface/safetensors) validates it, from the header alone: see {@link SafetensorsHeader}.
     * Integer tensors (BERT's position_ids buffer) are checked, then left out.
     */
    public static Map<String, Stored> index(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(len, 0) != 8) {
                throw new IOException(file + ": too short for a safetensors file (" + size + " bytes)");
            }
            long headerLength = len.getLong(0);
            // Unsigned, as the reference reads it: a "negative" length is one above 2^63, far too large.
            if (headerLength < 0 || headerLength > SafetensorsHeader.MAX_HEADER) {
                throw new IOException(file + ": invalid safetensors header length " + Long.toUnsignedString(headerLength)
                        + " (at most " + SafetensorsHeader.MAX_HEADER + " bytes)");
            }
            if (headerLength > size - 8) {
                throw new IOException(file + ": invalid safetensors header length " + headerLength + " (the file has "
                        + (size - 8) + " bytes after the length)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) throw new IOException(file + ": ends inside its header");
            }
            long base = 8 + headerLength;
            Map<String, Stored> tensors = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry t : SafetensorsHeader.parse(file, header.array(), size - base)) {
                int width = switch (t.dtype()) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> 0;
                };
                if (width == 0) continue;
                if (t.end() - t.begin() > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + ": tensor '" + t.name() + "' has " + (t.end() - t.begin())
                            + " bytes, more than one tensor can hold here (2 GiB)");
                }
                tensors.put(t.name(), new Stored(file, t.name(), t.dtype(), t.shape(), base + t.begin(),
                        t.end() - t.begin()));
            }
            return tensors;
        }
    }

    /**
     * One tensor, its values left in the file until it is {@linkplain StoredTensor#copyInto copied} into a libtorch
     * tensor ({@link #readInto}): how a model is built from a checkpoint.
     */
    public static StoredTensor stored(Stored s) {
        return new StoredTensor(s.shape(), target -> readInto(s, target));
    }

    /** Bytes read at a time when copying a tensor into libtorch (more when one row of it is larger). */
    static final int SLICE_BYTES = 8 << 20;

    /**
     * target ← one tensor's values, read (not memory-mapped) in slices of its first dimension through one reused
     * direct buffer of about {@link #SLICE_BYTES}, each slice handed to libtorch in place, which converts F16 and
     * BF16 values and writes through the target's strides (a transposed view transposes). So the file is never
     * held in memory, nor any tensor twice: the only copy made is the target itself.
     */
    static void readInto(Stored s, Tensor target) {
        Tensor.Raw raw = Tensor.Raw.valueOf(s.dtype());
        long[] shape = s.shape();
        long rows = shape.length == 0 ? 1 : shape[0];
        if (rows == 0 || s.length() == 0) return;
        long rowBytes = s.length() / rows;
        long perSlice = Math.max(1, SLICE_BYTES / rowBytes);
        ByteBuffer buffer = sliceBuffer(Math.min(perSlice, rows) * rowBytes);
        try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            for (long from = 0; from < rows; from += perSlice) {
                long n = Math.min(perSlice, rows - from);
                buffer.clear().limit((int) (n * rowBytes));
                while (buffer.hasRemaining()) {
                    if (ch.read(buffer, s.offset() + from * rowBytes + buffer.position()) < 0) {
                        throw new IOException(s.file() + ": ends inside tensor '" + s.name() + "'");
                    }
                }
                buffer.flip();
                if (shape.length == 0) {
                    target.copyFrom(buffer, raw);
                } else {
                    try (Tensor slice = target.slice(0, from, from + n)) {
                        slice.copyFrom(buffer, raw);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading tensor '" + s.name() + "' of " + s.file(), e);
        }
    }

    private static final ThreadLocal<ByteBuffer> SLICE_BUFFER = new ThreadLocal<>();

    private static ByteBuffer sliceBuffer(long bytes) {
        ByteBuffer b = SLICE_BUFFER.get();
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect((int) Math.max(bytes, SLICE_BYTES));
            SLICE_BUFFER.set(b);
        }
        return b;
    }

    /**
     * One tensor's data as fp32 in a Java array, for tools and tests that read values ({@link #read}); models are
     * built with {@link #stored} instead, which makes no Java copy.
     */
    public static StoredTensor load(Stored s) throws IOException {
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
            return new StoredTensor(s.shape(), data);
        }
    }

    private static final ThreadLocal<ByteBuffer> READ_BUFFER = new ThreadLocal<>();

    /** Every float tensor of a file, read into memory. */
    public static Map<String, StoredTensor> read(Path file) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
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

    public static void write(Path file, Map<String, StoredTensor> tensors) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape"); // written even when empty: a scalar has shape []
            for (long d : e.getValue().shape()) shape.add(d);
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
            for (StoredTensor t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate(t.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(t.data());
                out.write(buf.array());
            }
        }
    }
}
