package w2s.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A libtorch tensor, with the operations the architectures, LoRA and fine-tuning use, named as PyTorch names them.
 * Every operation returns a new tensor owned by the innermost open {@link Scope} (or, with none open, by the first
 * operand's owner); nothing here is freed by the garbage collector.
 */
public final class Tensor implements AutoCloseable {
    final org.bytedeco.pytorch.Tensor t;
    Scope owner;
    private boolean freed;

    private Tensor(org.bytedeco.pytorch.Tensor t, Scope owner) {
        this.t = t;
        if (owner != null) owner.adopt(this);
    }

    /** Wraps an op's result: into the innermost open scope, else into {@code like}'s owner. */
    private static Tensor result(org.bytedeco.pytorch.Tensor raw, Tensor like) {
        Scope s = Scope.current();
        return new Tensor(raw, s != null ? s : like == null ? null : like.owner);
    }

    private Tensor result(org.bytedeco.pytorch.Tensor raw) {
        return result(raw, this);
    }

    // ---- creation -----------------------------------------------------------------------------------------------

    /** A copy of fp32 values in row-major order, owned by {@code owner} (null: the innermost open scope). */
    public static Tensor of(Scope owner, float[] values, long... shape) {
        Torch.start();
        checkSize(values.length, shape);
        try (FloatPointer p = new FloatPointer(values);
             org.bytedeco.pytorch.Tensor view = torch.from_blob(p, shape, options(ScalarType.Float))) {
            return new Tensor(view.clone(), ownerOr(owner));
        }
    }

    /** A copy of fp64 values in row-major order (heads trained on features keep Java's double precision). */
    public static Tensor of(Scope owner, double[] values, long... shape) {
        Torch.start();
        checkSize(values.length, shape);
        try (org.bytedeco.javacpp.DoublePointer p = new org.bytedeco.javacpp.DoublePointer(values);
             org.bytedeco.pytorch.Tensor view = torch.from_blob(p, shape, options(ScalarType.Double))) {
            return new Tensor(view.clone(), ownerOr(owner));
        }
    }

    /** A copy of int64 values (token ids) in row-major order. */
    public static Tensor of(Scope owner, long[] values, long... shape) {
        Torch.start();
        checkSize(values.length, shape);
        try (LongPointer p = new LongPointer(values);
             org.bytedeco.pytorch.Tensor view = torch.from_blob(p, shape, options(ScalarType.Long))) {
            return new Tensor(view.clone(), ownerOr(owner));
        }
    }

    /**
     * A bfloat16 tensor from fp32 values, rounded to nearest-even as torch's {@code .to(torch.bfloat16)} rounds:
     * the conversion happens on the Java side, so no full fp32 copy of a large weight is ever held natively.
     */
    public static Tensor bf16(Scope owner, float[] values, long... shape) {
        Torch.start();
        checkSize(values.length, shape);
        short[] half = new short[values.length];
        for (int i = 0; i < values.length; i++) half[i] = toBf16(values[i]);
        try (ShortPointer p = new ShortPointer(half);
             org.bytedeco.pytorch.Tensor view = torch.from_blob(p, shape, options(ScalarType.BFloat16))) {
            return new Tensor(view.clone(), ownerOr(owner));
        }
    }

    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * An uninitialised tensor to be filled in place ({@link #copyFrom(ByteBuffer, Raw)}, {@link #copyFrom(Tensor)}),
     * owned by {@code owner} (null: the innermost open scope): how weights are made without a second copy of them.
     */
    public static Tensor empty(Scope owner, Dtype dtype, long... shape) {
        Torch.start();
        try (MemoryFormatOptional format = new MemoryFormatOptional()) {
            return new Tensor(torch.empty(shape, options(dtype.scalarType()), format), ownerOr(owner));
        }
    }

    /** How values are laid out as bytes (little-endian), named as safetensors names them. */
    public enum Raw {
        F32(4, ScalarType.Float), F16(2, ScalarType.Half), BF16(2, ScalarType.BFloat16);

        /** Bytes per value. */
        public final int width;
        private final ScalarType type;

        Raw(int width, ScalarType type) {
            this.width = width;
            this.type = type;
        }
    }

    /** Standard normal values (torch's generator; seed it with {@link Torch#seed}). */
    public static Tensor randn(Scope owner, long... shape) {
        Torch.start();
        return new Tensor(torch.randn(shape), ownerOr(owner));
    }

    public static Tensor zeros(Scope owner, long... shape) {
        Torch.start();
        return new Tensor(torch.zeros(shape, options(ScalarType.Float)), ownerOr(owner));
    }

    /** 0, 1, …, n − 1 as fp32, on {@code like}'s device. */
    public static Tensor arange(long n, Tensor like) {
        try (Scalar end = new Scalar((double) n)) {
            org.bytedeco.pytorch.Tensor cpu = torch.arange(end, options(ScalarType.Float));
            if (!like.t.is_cuda()) return result(cpu, like);
            try (cpu) {
                return result(cpu.to(like.t.device(), ScalarType.Float), like);
            }
        }
    }

    private static Scope ownerOr(Scope owner) {
        return owner != null ? owner : Scope.current();
    }

    /** Options by dtype, made once: native objects kept for the process, rather than one per tensor made. */
    private static final java.util.Map<ScalarType, TensorOptions> OPTIONS = new java.util.concurrent.ConcurrentHashMap<>();
    private static org.bytedeco.pytorch.Device cpuDevice;

    private static TensorOptions options(ScalarType type) {
        return OPTIONS.computeIfAbsent(type, TensorOptions::new);
    }

    private static synchronized org.bytedeco.pytorch.Device cpu() {
        if (cpuDevice == null) cpuDevice = new org.bytedeco.pytorch.Device(torch.DeviceType.CPU);
        return cpuDevice;
    }

    private static void checkSize(int n, long[] shape) {
        long size = 1;
        for (long d : shape) size *= d;
        if (size != n) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + n + " values");
    }

    // ---- facts --------------------------------------------------------------------------------------------------

    public long[] shape() {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public long size(int dim) {
        return t.size(dim < 0 ? t.dim() + dim : dim);
    }

    /** The number of elements. */
    public long numel() {
        return t.numel();
    }

    public Dtype dtype() {
        // By value: the binding's enum instances do not compare with == across its calls.
        return t.scalar_type().value == ScalarType.BFloat16.value ? Dtype.BF16 : Dtype.FP32;
    }

    // ---- reading back -------------------------------------------------------------------------------------------

    /**
     * The storage of a contiguous fp32 CPU tensor as a buffer, for a Java loop that reads and writes it in place (no
     * copy). Valid while this tensor lives.
     */
    public java.nio.FloatBuffer floatView() {
        if (t.is_cuda() || !t.is_contiguous() || t.scalar_type().value != ScalarType.Float.value) {
            throw new IllegalStateException("floatView needs a contiguous fp32 CPU tensor");
        }
        return t.data_ptr_float().capacity(t.numel()).asBuffer();
    }

    /** The values as fp32, row-major (copied to the CPU and converted if needed). */
    public float[] toFloatArray() {
        try (org.bytedeco.pytorch.Tensor cpu = t.to(cpu(), ScalarType.Float);
             org.bytedeco.pytorch.Tensor flat = cpu.contiguous()) {
            float[] out = new float[(int) flat.numel()];
            if (out.length > 0) flat.data_ptr_float().get(out);
            return out;
        }
    }

    /** The values as fp64, row-major. */
    public double[] toDoubleArray() {
        try (org.bytedeco.pytorch.Tensor cpu = t.to(cpu(), ScalarType.Double);
             org.bytedeco.pytorch.Tensor flat = cpu.contiguous()) {
            double[] out = new double[(int) flat.numel()];
            if (out.length > 0) flat.data_ptr_double().get(out);
            return out;
        }
    }

    /** As fp64 values. */
    public Tensor toDouble() {
        return result(t.to(ScalarType.Double));
    }

    public long[] toLongArray() {
        try (org.bytedeco.pytorch.Tensor cpu = t.to(cpu(), ScalarType.Long);
             org.bytedeco.pytorch.Tensor flat = cpu.contiguous()) {
            long[] out = new long[(int) flat.numel()];
            if (out.length > 0) flat.data_ptr_long().get(out);
            return out;
        }
    }

    /** The value of a one-element tensor. */
    public float item() {
        return t.item_float();
    }

    // ---- arithmetic ---------------------------------------------------------------------------------------------

    public Tensor add(Tensor o) {
        return result(t.add(o.t));
    }

    public Tensor add(double v) {
        try (Scalar s = new Scalar(v)) {
            return result(t.add(s));
        }
    }

    public Tensor sub(Tensor o) {
        return result(t.sub(o.t));
    }

    public Tensor sub(double v) {
        try (Scalar s = new Scalar(v)) {
            return result(t.sub(s));
        }
    }

    public Tensor mul(Tensor o) {
        return result(t.mul(o.t));
    }

    /** Times a number, which autograd keeps as a number (no tensor to outlive). */
    public Tensor mul(double v) {
        try (Scalar s = new Scalar(v)) {
            return result(t.mul(s));
        }
    }

    public Tensor div(Tensor o) {
        return result(t.div(o.t));
    }

    public Tensor neg() {
        return result(t.neg());
    }

    public Tensor square() {
        return result(t.square());
    }

    public Tensor sqrt() {
        return result(t.sqrt());
    }

    public Tensor rsqrt() {
        return result(t.rsqrt());
    }

    public Tensor exp() {
        return result(t.exp());
    }

    public Tensor log() {
        return result(t.log());
    }

    public Tensor cos() {
        return result(t.cos());
    }

    public Tensor sin() {
        return result(t.sin());
    }

    public Tensor sigmoid() {
        return result(t.sigmoid());
    }

    public Tensor matMul(Tensor o) {
        return result(t.matmul(o.t));
    }

    public Tensor softmax(int dim) {
        return result(t.softmax(dim));
    }

    public Tensor logSoftmax(int dim) {
        return result(t.log_softmax(dim));
    }

    /** The index of the largest element along {@code dim} (the first, on ties), that dimension removed (int64). */
    public Tensor argmax(int dim) {
        try (org.bytedeco.pytorch.LongOptional d = new org.bytedeco.pytorch.LongOptional(dim)) {
            return result(t.argmax(d, false));
        }
    }

    /** The elements at {@code index} (int64, the shape of the result) along {@code dim}. */
    public Tensor gather(int dim, Tensor index) {
        return result(t.gather(dim, index.t));
    }

    /** The sum of every element. */
    public Tensor sum() {
        return result(t.sum());
    }

    /** The matrix transposed (the last two dimensions swapped; a view). */
    public Tensor t() {
        return result(t.transpose(-2, -1));
    }

    /** The sum over {@code dims}, which are removed. */
    public Tensor sum(long... dims) {
        return result(t.sum(dims));
    }

    /** The mean over the last dimension, kept with size 1. */
    public Tensor meanLast() {
        return result(t.mean(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional()));
    }

    // ---- comparison ---------------------------------------------------------------------------------------------

    /** 1 where this is greater than {@code o}, else 0 (bool). */
    public Tensor gt(Tensor o) {
        return result(t.gt(o.t));
    }

    public Tensor lt(double v) {
        try (Scalar s = new Scalar(v)) {
            return result(t.lt(s));
        }
    }

    public Tensor logicalOr(Tensor o) {
        return result(t.logical_or(o.t));
    }

    public Tensor gt(double v) {
        try (Scalar s = new Scalar(v)) {
            return result(t.gt(s));
        }
    }

    public Tensor logicalAnd(Tensor o) {
        return result(t.logical_and(o.t));
    }

    public Tensor logicalNot() {
        return result(t.logical_not());
    }

    /** Where a value is NaN or infinite (bool). */
    public Tensor nonFinite() {
        try (org.bytedeco.pytorch.Tensor nan = t.isnan(); org.bytedeco.pytorch.Tensor inf = t.isinf()) {
            return result(nan.logical_or(inf));
        }
    }

    /** Whether both have the same shape and exactly the same values. */
    public boolean contentEquals(Tensor o) {
        return t.equal(o.t);
    }

    public Tensor abs() {
        return result(t.abs());
    }

    /** The largest element, as a number. */
    public float max() {
        try (org.bytedeco.pytorch.Tensor m = t.max()) {
            return m.item_float();
        }
    }

    /** The smallest element, as a number. */
    public float min() {
        try (org.bytedeco.pytorch.Tensor m = t.min()) {
            return m.item_float();
        }
    }

    // ---- shape --------------------------------------------------------------------------------------------------

    public Tensor reshape(long... shape) {
        return result(t.reshape(shape));
    }

    /** The dimensions reordered (torch's permute). */
    public Tensor transpose(long... order) {
        return result(t.permute(order));
    }

    /** Elements {@code from} … {@code to − 1} along {@code dim} (a view). */
    public Tensor slice(int dim, long from, long to) {
        return result(t.narrow(dim, from, to - from));
    }

    /** Element {@code index} along {@code dim}, that dimension removed (a view). */
    public Tensor select(int dim, long index) {
        return result(t.select(dim, index));
    }

    /** Rows {@code ids} (int64) along dimension 0. */
    public Tensor rows(Tensor ids) {
        return result(t.index_select(0, ids.t));
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    public Tensor unsqueeze(int dim) {
        return result(t.unsqueeze(dim));
    }

    /** Broadcast to a larger shape without copying (−1 keeps a dimension). */
    public Tensor expand(long... shape) {
        return result(t.expand(shape));
    }

    /** A compact copy if this is a view with gaps. */
    public Tensor contiguous() {
        return result(t.contiguous());
    }

    /** Tensors joined along {@code dim}; one tensor is returned as is (it keeps its place in the graph). */
    public static Tensor concat(List<Tensor> parts, int dim) {
        if (parts.size() == 1) return parts.get(0);
        try (TensorVector v = new TensorVector()) {
            for (Tensor p : parts) v.push_back(p.t);
            return result(torch.cat(v, dim), parts.get(0));
        }
    }

    // ---- type and autograd --------------------------------------------------------------------------------------

    public Tensor to(Dtype dtype) {
        if (dtype() == dtype) return this;
        return result(t.to(dtype.scalarType()));
    }

    /** As fp32 values (booleans become 0 and 1). */
    public Tensor toFloat() {
        return result(t.to(ScalarType.Float));
    }

    public Tensor to(Device device) {
        if (!device.gpu()) return result(t.to(cpu(), t.scalar_type()));
        try (org.bytedeco.pytorch.Device cuda = new org.bytedeco.pytorch.Device(torch.DeviceType.CUDA,
                (byte) device.index())) {
            return result(t.to(cuda, t.scalar_type()));
        }
    }

    /** This tensor on {@code like}'s device (itself if already there). */
    public Tensor toDeviceOf(Tensor like) {
        if (!t.is_cuda() && !like.t.is_cuda()) return this;
        return result(t.to(like.t.device(), t.scalar_type()));
    }

    /** A copy with storage of its own (outside the autograd graph's view of this one). */
    public Tensor copy() {
        try (org.bytedeco.pytorch.Tensor detached = t.detach()) {
            return result(detached.clone());
        }
    }

    /** The same values, cut from the autograd graph. */
    public Tensor detach() {
        return result(t.detach());
    }

    public void requiresGrad(boolean on) {
        t.set_requires_grad(on);
    }

    public boolean requiresGrad() {
        return t.requires_grad();
    }

    /** The accumulated gradient, or null when none has been computed. */
    public Tensor grad() {
        org.bytedeco.pytorch.Tensor g = t.grad();
        if (!g.defined()) {
            g.close();
            return null;
        }
        return result(g);
    }

    /** Back-propagates from this scalar, accumulating into every leaf's gradient. */
    public void backward() {
        t.backward();
    }

    /** Drops the accumulated gradient (frees it, as {@code zero_grad(set_to_none=True)}). */
    public void clearGrad() {
        try (org.bytedeco.pytorch.Tensor g = t.mutable_grad()) {
            if (g.defined()) g.reset();
        }
    }

    // ---- in place (optimisers; no autograd) -----------------------------------------------------------------------
    // The binding answers an in-place op with the very Java object it was called on, so its result is not closed.

    /** this ← this·a */
    public Tensor mulInPlace(double a) {
        try (Scalar s = new Scalar(a)) {
            t.mul_(s);
            return this;
        }
    }

    /** this ← this + v */
    public Tensor addInPlace(double v) {
        try (Scalar s = new Scalar(v)) {
            t.add_(s);
            return this;
        }
    }

    /** this ← this + a·o */
    public Tensor addInPlace(Tensor o, double a) {
        try (Scalar s = new Scalar(a)) {
            t.add_(o.t, s);
            return this;
        }
    }

    /** this ← this + a·x·y */
    public Tensor addProductInPlace(Tensor x, Tensor y, double a) {
        try (Scalar s = new Scalar(a)) {
            t.addcmul_(x.t, y.t, s);
            return this;
        }
    }

    /** this ← this + a·x/y */
    public Tensor addQuotientInPlace(Tensor x, Tensor y, double a) {
        try (Scalar s = new Scalar(a)) {
            t.addcdiv_(x.t, y.t, s);
            return this;
        }
    }

    /** this ← o, in place (shapes must agree; autograd must be off for a leaf that trains). */
    public void copyFrom(Tensor o) {
        t.copy_(o.t); // returns this tensor's own handle: not to be closed
    }

    /**
     * this ← the values in {@code data} (a direct buffer, from position 0 to its limit) stored as {@code raw}, in
     * this tensor's shape and row-major order, converted to this tensor's dtype as torch's {@code copy_} converts
     * (to bfloat16 rounding to nearest-even). This may be a view (a slice, a transpose): the values go where it
     * points. libtorch reads the buffer in place: no Java array and no native copy of the values is made.
     */
    public void copyFrom(ByteBuffer data, Raw raw) {
        if (!data.isDirect() || data.position() != 0) {
            throw new IllegalArgumentException("a direct buffer from position 0 is needed, not " + data);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("little-endian values on a big-endian machine");
        }
        long n = numel();
        if (data.limit() != n * raw.width) {
            throw new IllegalArgumentException(data.limit() + " bytes do not hold " + Arrays.toString(shape()) + " "
                    + raw + " values");
        }
        if (n == 0) return;
        try (BytePointer p = new BytePointer(data);
             org.bytedeco.pytorch.Tensor view = torch.from_blob(p, shape(), options(raw.type))) {
            t.copy_(view); // returns this tensor's own handle: not to be closed
        }
    }

    /** Rows {@code ids} of this ← {@code values} (dimension 0). */
    public void setRows(Tensor ids, Tensor values) {
        t.index_copy_(0, ids.t, values.t); // returns this tensor's own handle: not to be closed
    }

    /** Zeros of {@code shape}, in this tensor's dtype and on its device. */
    public Tensor zeros(long... shape) {
        try (TensorOptions options = t.options()) {
            return result(torch.zeros(shape, options));
        }
    }

    /** A zero tensor of this one's shape, dtype and device. */
    public Tensor zerosLike() {
        return result(torch.zeros_like(t));
    }

    // ---- memory ---------------------------------------------------------------------------------------------------

    /** Frees this handle now (the memory goes once autograd no longer needs it either). */
    @Override
    public void close() {
        free();
    }

    void free() {
        if (freed) return;
        freed = true;
        t.close();
    }

    org.bytedeco.pytorch.Tensor raw() {
        return t;
    }

    static Tensor wrap(org.bytedeco.pytorch.Tensor raw, Tensor like) {
        return result(raw, like);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape()) + " " + dtype().id();
    }
}
