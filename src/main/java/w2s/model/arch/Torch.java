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

    /** A manager whose arrays live on {@code device} (see {@link #device}). */
    public static NDManager newManager(Device device) {
        return engine().newBaseManager(device);
    }

    /**
     * The device a spec names: "cpu"; "cuda" (GPU 0) or "cuda:N"; "auto", a GPU when the engine was built with CUDA
     * (the {@code -Pcuda} build) and sees one, else the CPU. A CUDA device the engine cannot use is an error that
     * says why, never a silent fall-back to the CPU.
     */
    public static Device device(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) return Device.cpu();
        if (s.equals("auto")) return gpus() > 0 ? Device.gpu(0) : Device.cpu();
        if (s.equals("cuda") || s.startsWith("cuda:") || s.equals("gpu") || s.startsWith("gpu:")) {
            int index = 0;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                try {
                    index = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("device '" + spec + "': the GPU index must be a number, as in"
                            + " cuda:0");
                }
            }
            int gpus = gpus();
            if (gpus == 0) {
                throw new IllegalArgumentException("device '" + spec + "' asked for, but the PyTorch engine sees no"
                        + " GPU: this build carries the CPU-only natives (pytorch-native-cpu); build with"
                        + " 'mvn -Pcuda package' on a machine with an NVIDIA GPU and driver, or use --device cpu"
                        + " (or auto)");
            }
            if (index < 0 || index >= gpus) {
                throw new IllegalArgumentException("device '" + spec + "' does not exist: the engine sees " + gpus
                        + " GPU" + (gpus == 1 ? "" : "s") + " (cuda:0" + (gpus > 1 ? " … cuda:" + (gpus - 1) : "")
                        + ")");
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("unknown device '" + spec + "'; valid: auto, cpu, cuda, cuda:N");
    }

    /** GPUs the engine can use: 0 with the CPU-only natives. */
    public static int gpus() {
        return engine().getGpuCount();
    }

    /** A device as results record it: "cpu" or "cuda:N". */
    public static String name(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
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
