package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 item 1: hostile safetensors headers are refused as huggingface/safetensors refuses them, each with one
 * message naming the file, the tensor and the value.
 */
class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file of the given header text (padded to 8 bytes) and {@code data} bytes of data. */
    private Path file(String header, int data) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8), data, -1);
    }

    private Path file(byte[] header, int data, long declaredLength) throws IOException {
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength >= 0 || declaredLength < -1 ? declaredLength : padded).put(header);
        for (int i = header.length; i < padded; i++) b.put((byte) ' ');
        Path f = dir.resolve("model.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private void refused(Path f, String... parts) {
        IOException e = assertThrows(IOException.class, () -> Safetensors.index(f));
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "says '" + p + "': " + e.getMessage());
        assertTrue(e.getMessage().length() < 400 && !e.getMessage().contains("\n"), "one short line: " + e.getMessage());
    }

    @Test
    void aWellFormedFileRoundTrips() throws Exception {
        Path f = dir.resolve("ok.safetensors");
        Safetensors.write(f, Map.of("a", new StoredTensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Safetensors.read(f).get("a").data());
        // Integer tensors are validated and left out; tensors may be listed in any order.
        Path g = file("{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[8,16]},\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 16);
        assertEquals(java.util.Set.of("w"), Safetensors.index(g).keySet());
        Safetensors.Stored w = Safetensors.index(g).get("w");
        assertEquals(Files.size(g) - 8, w.offset());
        assertEquals(8, w.length());
    }

    @Test
    void missingOrShortDataOffsets() throws Exception {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "'w'", "no data_offsets");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8), "'w'", "[0]", "two offsets");
        refused(file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "no dtype");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "'w'", "no shape");
        refused(file("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "\"Q4\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "'w'", "-2");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", 8), "'w'", "\"0\"");
        refused(file("{\"w\":[1,2]}", 8), "'w'", "not an object");
    }

    @Test
    void overlappingOffsetsAreRefused() throws Exception {
        // Both tensors would read the same 8 bytes; the reference refuses the second (InvalidOffset).
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "overlapping", "[0, 8]");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "'b'", "overlapping");
    }

    @Test
    void negativeOrReversedOffsetsAreRefused() throws Exception {
        // A negative begin would read the JSON header (or before the file) as weights.
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "'w'", "-8",
                "non-negative");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-100000,-99992]}}", 8), "'w'", "-100000");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "'w'", "end before");
    }

    @Test
    void gapsTruncationAndTrailingBytesAreRefused() throws Exception {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "'w'", "gap");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "cover 16", "has 8",
                "truncated");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16), "cover 8", "has 16",
                "trailing");
    }

    @Test
    void spansMustMatchDtypeAndShape() throws Exception {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "'w'", "[3]", "needs 12");
        refused(file("{\"w\":{\"dtype\":\"F16\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8),
                "'w'", "overflow");
        refused(file("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "'w'", "12 bits");
    }

    @Test
    void damagedHeadersAreRefused() throws Exception {
        refused(file("[1, 2]", 0), "not a JSON object");
        refused(file("{\"w\": ", 0), "damaged safetensors header");
        refused(file("{} {}", 0), "damaged safetensors header");
        refused(file("{\"__metadata__\":{\"format\":3}}", 0), "__metadata__", "'format'", "3");
        refused(file("{\"__metadata__\":[\"pt\"]}", 0), "__metadata__");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "damaged", "w");
        refused(file(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'}, 0, -1), "not UTF-8");
        refused(file("{}".getBytes(StandardCharsets.UTF_8), 0, 1L << 40), "header length 1099511627776");
        refused(file("{}".getBytes(StandardCharsets.UTF_8), 0, 64), "header length 64");
        refused(file("{}".getBytes(StandardCharsets.UTF_8), 0, -8), "header length 18446744073709551608");
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        refused(tiny, "too short");
    }
}
