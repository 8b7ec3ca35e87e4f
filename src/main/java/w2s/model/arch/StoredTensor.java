package w2s.model.arch;

import java.util.Arrays;

/** A dense fp32 tensor in row-major order, as read from a checkpoint, named and laid out as the checkpoint stores it. */
public record StoredTensor(long[] shape, float[] data) {
    public StoredTensor {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
    }

    /** The transpose of a matrix: ONNX and GPT-2's Conv1D store weights as [in, out], a Linear as [out, in]. */
    public StoredTensor transposed() {
        int rows = (int) shape[0], cols = (int) shape[1];
        float[] t = new float[data.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
        return new StoredTensor(new long[] {cols, rows}, t);
    }

    /** Tensors joined along their first dimension (query, key and value weights into one fused matrix). */
    public static StoredTensor concatRows(StoredTensor... parts) {
        long rows = 0;
        int size = 0;
        for (StoredTensor p : parts) {
            rows += p.shape()[0];
            size += p.data().length;
        }
        float[] data = new float[size];
        int at = 0;
        for (StoredTensor p : parts) {
            System.arraycopy(p.data(), 0, data, at, p.data().length);
            at += p.data().length;
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        return new StoredTensor(shape, data);
    }
}
