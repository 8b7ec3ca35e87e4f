package w2s.model.arch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** The PyTorch engine of DJL, started with this project's settings, and the tensors every architecture creates. */
public final class Torch {
    private Torch() {}

    /**
     * Starts the engine once. Defaults, each overridable by setting the system property first: never touch the
     * network (the natives come from the pytorch-native-cpu jar); one intra-op thread per available core, since
     * torch otherwise picks a count from the host rather than from the container's CPU quota; one inter-op thread,
     * as there is never more than one op to run at a time here.
     */
    public static synchronized Engine engine() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        System.setProperty("ai.djl.pytorch.num_interop_threads",
                System.getProperty("ai.djl.pytorch.num_interop_threads", "1"));
        return Engine.getEngine("PyTorch");
    }

    public static NDManager newManager() {
        return engine().newBaseManager(Device.cpu());
    }

    /**
     * A scalar owned by torch. DJL's mul(Number) wraps the number in a tensor over a Java buffer and frees it right
     * after the op, but autograd keeps that tensor for the backward pass, which then reads freed memory once the
     * garbage collector has run (seen as a rare NaN loss). A model keeps its constants as long as its parameters.
     */
    public static NDArray constant(NDManager manager, float value) {
        try (NDArray wrapped = manager.create(value)) {
            return wrapped.duplicate();
        }
    }

    /**
     * The staging buffer of {@link #copy}, reused: create(float[]) would allocate a direct buffer per tensor that
     * only the garbage collector frees, so building a model would hold about a second copy of its weights off-heap
     * until a collection happens to run.
     */
    private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

    /** A torch-owned copy of a checkpoint tensor (freed when the manager closes). */
    public static NDArray copy(NDManager manager, Tensor t) {
        int bytes = t.data().length * Float.BYTES;
        ByteBuffer staging = STAGING.get();
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            STAGING.set(staging);
        }
        staging.clear();
        staging.asFloatBuffer().put(t.data());
        staging.limit(bytes);
        // A direct ByteBuffer (not a typed view of one) is wrapped, not copied; the duplicate is torch's own memory.
        try (NDArray wrapped = manager.create(staging.slice().order(ByteOrder.nativeOrder()), new Shape(t.shape()),
                DataType.FLOAT32)) {
            return wrapped.duplicate();
        }
    }
}
