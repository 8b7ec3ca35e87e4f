package w2s.torch;

import java.util.Locale;

/** Where tensors live: the CPU, or CUDA GPU {@code index}. */
public record Device(boolean gpu, int index) {
    public static final Device CPU = new Device(false, 0);

    /** As results record it: "cpu" or "cuda:N". */
    public String id() {
        return gpu ? "cuda:" + index : "cpu";
    }

    /**
     * The device a spec names: "cpu"; "cuda" (GPU 0) or "cuda:N"; "auto", a GPU when the engine was built with CUDA
     * (the {@code -Pcuda} build) and sees one, else the CPU. A CUDA device the engine cannot use is an error that
     * says why, never a silent fall-back to the CPU.
     */
    public static Device parse(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) return CPU;
        if (s.equals("auto")) return Torch.gpus() > 0 ? new Device(true, 0) : CPU;
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
            int gpus = Torch.gpus();
            if (gpus == 0) {
                throw new IllegalArgumentException("device '" + spec + "' asked for, but the torch engine sees no"
                        + " GPU: " + (Torch.cudaBuild() ? "this is the CUDA build, but no GPU or driver is visible"
                        + " (check nvidia-smi)" : "this build carries the CPU-only libtorch (org.bytedeco:pytorch"
                        + " linux-x86_64); build with 'mvn -Pcuda package' on a machine with an NVIDIA GPU and"
                        + " driver") + ", or use --device cpu (or auto)");
            }
            if (index < 0 || index >= gpus) {
                throw new IllegalArgumentException("device '" + spec + "' does not exist: the engine sees " + gpus
                        + " GPU" + (gpus == 1 ? "" : "s") + " (cuda:0" + (gpus > 1 ? " … cuda:" + (gpus - 1) : "")
                        + ")");
            }
            return new Device(true, index);
        }
        throw new IllegalArgumentException("unknown device '" + spec + "'; valid: auto, cpu, cuda, cuda:N");
    }
}
