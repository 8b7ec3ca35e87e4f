import java.util.Locale;

import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/** The CPU's flags, what --dtype auto picks on it, and the 1024³ matrix product's rate in fp32 and bf16. */
public class GemmRates {
    static double rate(Dtype dtype) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(null, 1024, 1024).to(dtype), b = Tensor.randn(null, 1024, 1024).to(dtype);
            a.matMul(b).close();
            long t = System.nanoTime();
            for (int i = 0; i < 20; i++) a.matMul(b).close();
            return 20 * 2.0 * Math.pow(1024, 3) / ((System.nanoTime() - t) / 1e9) / 1e9;
        }
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "    CPU flags: %s; %d torch threads; %s%n", Torch.speedFlags(), Torch.threads(),
                Torch.resolve("auto", Device.CPU).reason());
        double fp32 = rate(Dtype.FP32), bf16 = rate(Dtype.BF16);
        System.out.printf(Locale.ROOT, "    1024^3 matmul: fp32 %.0f GFLOP/s, bf16 %.0f GFLOP/s (%.2fx)%n", fp32, bf16,
                bf16 / fp32);
    }
}
