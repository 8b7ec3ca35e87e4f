package w2s.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * Issue 20: weights go from safetensors files straight into libtorch (no Java copy), in slices, converted and
 * transposed or joined by libtorch; the values are those of the Java reading path ({@link Safetensors#read}).
 */
class StoredTensorTest {
    @TempDir
    Path dir;

    /** A file of one [rows, cols] tensor per dtype (F32, F16, BF16) of the same random values, as each stores them. */
    private Path file(int rows, int cols) throws Exception {
        Random random = new Random(1);
        int n = rows * cols;
        ByteBuffer f32 = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f16 = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = (float) random.nextGaussian() * (i % 7 == 0 ? 1000 : 1);
            f32.putFloat(v);
            f16.putShort(toHalf(v));
            bf16.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        String shape = "[" + rows + "," + cols + "]";
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0," + 4 * n + "]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":" + shape + ",\"data_offsets\":[" + 4 * n + "," + 6 * n + "]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":" + shape + ",\"data_offsets\":[" + 6 * n + "," + 8 * n + "]}}";
        byte[] json = (header + " ".repeat((8 - header.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("t.safetensors");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length));
            ch.write(ByteBuffer.wrap(json));
            for (ByteBuffer b : new ByteBuffer[] {f32, f16, bf16}) ch.write(b.flip());
        }
        return f;
    }

    /** fp32 to IEEE binary16, round to nearest-even, for values in binary16's normal range. */
    private static short toHalf(float v) {
        int bits = Float.floatToRawIntBits(v), sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15, mant = bits & 0x7fffff;
        if (exp <= 0) return (short) sign; // (the test's values are never this small but zero)
        int h = sign | exp << 10 | mant >>> 13, rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) h++;
        return (short) h;
    }

    @Test
    void everyDtypeReadsAsTheJavaPathReadsIt() throws Exception {
        // 3000 × 1000 fp32 is 12 MB: more than one slice, and a last slice shorter than the others.
        Path f = file(3000, 1000);
        Map<String, StoredTensor> java = Safetensors.read(f);
        Map<String, Safetensors.Stored> index = Safetensors.index(f);
        assertTrue(3000L * 1000 * 4 > Safetensors.SLICE_BYTES, "several slices");
        try (Scope scope = Scope.open()) {
            for (String name : new String[] {"a", "h", "b"}) {
                StoredTensor lazy = Safetensors.stored(index.get(name));
                Tensor t = Weights.fp32(null).copy(lazy);
                assertEquals(Dtype.FP32, t.dtype());
                assertArrayEquals(java.get(name).data(), t.toFloatArray(), name);
                assertArrayEquals(java.get(name).data(), lazy.data(), name);
                // To bf16 as torch rounds: the same as from the Java array's values.
                Tensor b = new Weights(null, Dtype.BF16, w2s.torch.Device.CPU).copy(lazy);
                assertEquals(Dtype.BF16, b.dtype());
                assertArrayEquals(Tensor.bf16(null, java.get(name).data(), 3000, 1000).toFloatArray(),
                        b.toFloatArray(), name);
            }
        }
    }

    @Test
    void transposesAndJoinsAsTheJavaPathDoes() throws Exception {
        Path f = file(700, 300);
        Map<String, StoredTensor> java = Safetensors.read(f);
        Map<String, Safetensors.Stored> index = Safetensors.index(f);
        StoredTensor a = Safetensors.stored(index.get("a")), h = Safetensors.stored(index.get("h"));
        try (Scope scope = Scope.open()) {
            Weights fp32 = Weights.fp32(null);
            StoredTensor t = a.transposed();
            assertArrayEquals(new long[] {300, 700}, t.shape());
            assertArrayEquals(java.get("a").transposed().data(), fp32.copy(t).toFloatArray());
            // Parts on disk, in memory and transposed, joined by rows.
            StoredTensor inMemory = java.get("b").transposed();
            StoredTensor joined = StoredTensor.concatRows(t, inMemory, h.transposed());
            assertArrayEquals(new long[] {900, 700}, joined.shape());
            StoredTensor expected = StoredTensor.concatRows(java.get("a").transposed(), inMemory,
                    java.get("h").transposed());
            assertArrayEquals(expected.data(), fp32.copy(joined).toFloatArray());
            assertArrayEquals(expected.data(), joined.data());
        }
    }

    @Test
    void aTruncatedFileNamesTheTensor() throws Exception {
        Path f = file(10, 10);
        Map<String, Safetensors.Stored> index = Safetensors.index(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(f) - 100);
        }
        try (Scope scope = Scope.open()) {
            var e = assertThrows(UncheckedIOException.class, () -> Weights.fp32(null).copy(Safetensors.stored(index.get("b"))));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(f.toString()), e.getMessage());
        }
    }
}
