package w2s.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * libtorch (PyTorch's C++ library, through JavaCPP's {@code org.bytedeco:pytorch} binding), started once with this
 * project's settings, and the switches a pass runs under: autograd on or off, autocast to bfloat16.
 */
public final class Torch {
    private Torch() {}

    private static boolean started;

    /**
     * Loads libtorch once. One intra-op thread per available core (torch otherwise counts the host's cores, not the
     * container's quota) and one inter-op thread, as there is never more than one op to run at a time here.
     *
     * <p>JavaCPP's memory checks are off: they count the process's whole resident memory against a limit derived
     * from the Java heap and answer with a garbage collection and then an OutOfMemoryError, while every tensor here
     * is freed by a {@link Scope}. The natives load from JavaCPP's own cache by full path, before anything else can
     * resolve a {@code libtorch_cpu.so} from the system library path (Debian's python3-torch installs one there, of
     * another version).
     */
    public static synchronized void start() {
        if (started) return;
        setDefault("org.bytedeco.javacpp.maxBytes", "0");
        setDefault("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        setDefault("org.bytedeco.javacpp.maxRetries", "0");
        extractNatives();
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            // libgomp reads it once, as it loads: too late to set from here. bin/w2s and the tests set it.
            System.err.println("w2s: OMP_WAIT_POLICY is not set, so libtorch's idle OpenMP threads spin on cores the "
                    + "Java side needs (a 1,000-class probe step took 31 ms instead of 15); bin/w2s sets it to PASSIVE");
        }
        Loader.load(torch.class);
        torch.set_num_threads(Integer.getInteger("w2s.torch.threads", Runtime.getRuntime().availableProcessors()));
        try {
            torch.set_num_interop_threads(1);
        } catch (RuntimeException alreadyRunning) {
            // Only possible once per process, before any inter-op work; keeping torch's count is harmless.
        }
        started = true;
    }

    /**
     * Extracts every native library of the binding into JavaCPP's cache before any is loaded. Extracting and loading
     * one by one (JavaCPP's way) lets the dynamic linker resolve a dependency not yet extracted from the system
     * library path: with Debian's python3-torch installed, the first run on an empty cache loaded its
     * libtorch_cpu.so 1.13 beside ours and crashed; with everything extracted first, each dependency is found next
     * to its dependant.
     */
    private static void extractNatives() {
        String platform = Loader.getPlatform();
        String[][] dirs = {{"pytorch", platform}, {"pytorch", platform + "-gpu"}, {"openblas", platform},
                {"javacpp", platform}};
        for (String[] d : dirs) {
            String dir = "/org/bytedeco/" + d[0] + "/" + d[1] + "/";
            if (Torch.class.getResource(dir) == null) continue;
            try {
                Loader.cacheResources(Torch.class, dir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("extracting libtorch's native libraries (" + dir + ") into "
                        + "JavaCPP's cache (~/.javacpp/cache, or -Dorg.bytedeco.javacpp.cachedir)", e);
            }
        }
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** GPUs libtorch can use: 0 with the CPU-only build. */
    public static int gpus() {
        start();
        return cudaBuild() && torch.cuda_is_available() ? torch.cuda_device_count() : 0;
    }

    /** Whether the CUDA build of libtorch is on the class path (the {@code -Pcuda} build). */
    public static boolean cudaBuild() {
        return Torch.class.getClassLoader().getResource("org/bytedeco/pytorch/linux-x86_64-gpu/") != null;
    }

    /** Intra-op threads in use. */
    public static int threads() {
        start();
        return torch.get_num_threads();
    }

    /**
     * Whether this CPU has bfloat16 units: AVX-512 BF16 or AMX-BF16 in {@code /proc/cpuinfo}'s flags. Without them
     * torch emulates bfloat16 and runs it several times slower than fp32.
     */
    public static boolean cpuHasBf16() {
        String flags = cpuFlags();
        return flags.contains(" avx512_bf16") || flags.contains(" amx_bf16");
    }

    /** The CPU flags that matter for speed here, as figures are reported with them (e.g. "avx2 avx512_bf16"). */
    public static String speedFlags() {
        String flags = cpuFlags();
        StringBuilder s = new StringBuilder();
        for (String f : new String[] {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}) {
            if (flags.contains(" " + f + " ") || flags.endsWith(" " + f)) s.append(s.length() == 0 ? "" : " ").append(f);
        }
        return s.length() == 0 ? "none of avx2/avx512f/avx512_bf16/amx_bf16" : s.toString();
    }

    private static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: no flags known
        }
        return " ";
    }

    /**
     * The dtype a spec names on a device, with the reason. "auto" is bf16 where the hardware computes it natively
     * (a CPU with AVX-512 BF16 or AMX, a GPU) and fp32 elsewhere, unless the environment variable W2S_DTYPE
     * (fp32 or bf16) says what auto means. bf16 asked for on a CPU without bf16 units is honoured, with a warning in
     * the reason: it runs, slowly.
     */
    public static Dtype.Choice resolve(String spec, Device device) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        String pinned = System.getenv("W2S_DTYPE");
        if (s.equals("auto") && pinned != null && !pinned.isBlank() && !pinned.trim().equals("auto")) {
            // A cluster of mixed nodes (or a test suite) pins what auto means, so results do not depend on the node.
            return new Dtype.Choice(Dtype.parse(pinned), "auto: " + Dtype.parse(pinned).id() + " (W2S_DTYPE)");
        }
        if (s.equals("auto")) {
            if (device.gpu()) return new Dtype.Choice(Dtype.BF16, "auto: bf16 on a GPU");
            return cpuHasBf16()
                    ? new Dtype.Choice(Dtype.BF16, "auto: bf16, the CPU has bfloat16 units (" + speedFlags() + ")")
                    : new Dtype.Choice(Dtype.FP32, "auto: fp32, the CPU has no bfloat16 units (" + speedFlags()
                    + "), where bf16 runs slower than fp32");
        }
        Dtype d = Dtype.parse(s);
        if (d == Dtype.BF16 && !device.gpu() && !cpuHasBf16()) {
            return new Dtype.Choice(d, "bf16 as asked, but this CPU has no bfloat16 units (" + speedFlags()
                    + "): torch emulates it, expect it to run several times slower than fp32");
        }
        return new Dtype.Choice(d, d.id() + " as asked");
    }

    /** A switch in force until closed (closing throws nothing). */
    public interface Mode extends AutoCloseable {
        @Override
        void close();
    }

    /** Autograd off until closed (inference: no graph is recorded, intermediates die at once). */
    public static Mode noGrad() {
        start();
        AutoGradMode mode = new AutoGradMode(false);
        return mode::close;
    }

    /**
     * Autocast to bfloat16 on the CPU (or the GPU) until closed, as {@code torch.autocast(device, torch.bfloat16)}:
     * matrix products run in bf16 on fp32 weights, whose bf16 copies are cached for the pass and dropped on close.
     * With {@link Dtype#FP32} nothing changes.
     */
    public static Mode autocast(Dtype dtype, Device device) {
        start();
        if (dtype != Dtype.BF16) return () -> {};
        DeviceType type = device.gpu() ? DeviceType.CUDA : DeviceType.CPU;
        boolean was = torch.is_autocast_enabled(type);
        torch.set_autocast_dtype(type, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(type, true);
        return () -> {
            torch.set_autocast_enabled(type, was);
            torch.clear_cache();
        };
    }

    /** Seeds torch's own random generator (only {@link Tensor#randn} draws from it here). */
    public static void seed(long seed) {
        start();
        torch.manual_seed(seed);
    }

    /** libtorch's version and build, for provenance. */
    public static String version() {
        return "libtorch 2.10.0 (org.bytedeco:pytorch 2.10.0-1.5.13)";
    }
}
