package w2s.model.arch;

import java.util.Arrays;
import java.util.function.Consumer;

import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * A dense tensor of a checkpoint, named and laid out as the checkpoint stores it: either fp32 values in memory
 * (ONNX initializers, tensors being written), or values left in a safetensors file (and what a model builds from
 * them: a transpose, rows of several joined), which are read only when {@link #copyInto copied} into a libtorch
 * tensor, straight from the file, so that loading a model never holds a Java copy of its weights.
 */
public final class StoredTensor {
    private final long[] shape;
    /** The values, row-major, or null when they lie in a file. */
    private final float[] data;
    /** Otherwise: writes the values into a libtorch tensor of this shape (any dtype, possibly a view). */
    private final Consumer<Tensor> fill;

    /** fp32 values in memory, row-major. */
    public StoredTensor(long[] shape, float[] data) {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
        this.shape = shape;
        this.data = data;
        this.fill = null;
    }

    /** Values read only when copied: {@code fill} writes them into a libtorch tensor of {@code shape}. */
    StoredTensor(long[] shape, Consumer<Tensor> fill) {
        this.shape = shape;
        this.data = null;
        this.fill = fill;
    }

    public long[] shape() {
        return shape;
    }

    /**
     * The values as a Java array (row-major fp32): those in memory, or, for values in a file, a copy read through
     * libtorch. Models never ask for it ({@link #copyInto}); it is for tools and tests that read values.
     */
    public float[] data() {
        if (data != null) return data;
        try (Scope scope = Scope.open()) {
            Tensor values = Tensor.empty(null, Dtype.FP32, shape);
            fill.accept(values);
            return values.toFloatArray();
        }
    }

    /**
     * this → {@code target}, a libtorch tensor of this shape in any dtype (converted as torch's {@code copy_}
     * converts), possibly a view. Values in a file are read from it in slices through one small native buffer.
     */
    public void copyInto(Tensor target) {
        if (!Arrays.equals(target.shape(), shape)) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " cannot fill one of "
                    + Arrays.toString(target.shape()));
        }
        try (Scope views = Scope.open()) { // the views and slices made while filling
            fillInto(target);
        }
    }

    private void fillInto(Tensor target) {
        if (data == null) {
            fill.accept(target);
            return;
        }
        try (Tensor values = Tensor.of(null, data, shape)) {
            target.copyFrom(values);
        }
    }

    /**
     * The transpose of a matrix: ONNX and GPT-2's Conv1D store weights as [in, out], a Linear as [out, in]. Values
     * in memory are transposed here; values in a file are transposed by libtorch as they are copied.
     */
    public StoredTensor transposed() {
        int rows = (int) shape[0], cols = (int) shape[1];
        if (data == null) return new StoredTensor(new long[] {cols, rows}, target -> fillInto(target.t()));
        float[] t = new float[data.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
        return new StoredTensor(new long[] {cols, rows}, t);
    }

    /**
     * Tensors joined along their first dimension (query, key and value weights into one fused matrix): joined here
     * when every part is in memory, else by copying each part into its rows of the result.
     */
    public static StoredTensor concatRows(StoredTensor... parts) {
        long rows = 0;
        boolean inMemory = true;
        for (StoredTensor p : parts) {
            rows += p.shape()[0];
            inMemory &= p.data != null;
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        if (!inMemory) {
            return new StoredTensor(shape, target -> {
                long at = 0;
                for (StoredTensor p : parts) {
                    p.fillInto(target.slice(0, at, at + p.shape()[0]));
                    at += p.shape()[0];
                }
            });
        }
        int size = 0;
        for (StoredTensor p : parts) size += p.data().length;
        float[] data = new float[size];
        int at = 0;
        for (StoredTensor p : parts) {
            System.arraycopy(p.data(), 0, data, at, p.data().length);
            at += p.data().length;
        }
        return new StoredTensor(shape, data);
    }
}
