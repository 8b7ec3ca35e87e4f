package w2s.model.arch;

import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * Where a backbone's weights go when it is built: the scope that owns them (null: the innermost open scope), their
 * dtype and their device. Training keeps fp32 weights (bf16 training runs under autocast on fp32 master weights);
 * extraction in bf16 stores them in bf16, halving their memory.
 */
public record Weights(Scope owner, Dtype dtype, Device device) {

    /** fp32 weights on the CPU. */
    public static Weights fp32(Scope owner) {
        return new Weights(owner, Dtype.FP32, Device.CPU);
    }

    /**
     * A checkpoint tensor in this dtype, on this device: made empty, then filled by libtorch from the file (or from
     * the Java array of a tensor held in memory), converted to the dtype as it is copied.
     */
    public Tensor copy(StoredTensor t) {
        Tensor cpu = Tensor.empty(owner, dtype, t.shape());
        try {
            t.copyInto(cpu);
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
        return onDevice(cpu);
    }

    /** A constant the model computes with in fp32 whatever its dtype (rotary frequencies, fresh adapters). */
    public Tensor fp32(float[] values, long... shape) {
        return onDevice(Tensor.of(owner, values, shape));
    }

    private Tensor onDevice(Tensor cpu) {
        if (!device.gpu()) return cpu;
        Tensor moved = owner == null ? cpu.to(device) : owner.adoptFrom(cpu.to(device));
        cpu.close();
        return moved;
    }
}
