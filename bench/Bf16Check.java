import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;

/**
 * What bf16 costs on this build's engine (DJL 0.35.1, PyTorch 2.7.1 CPU), the evidence behind refusing --dtype bf16.
 * bench/bf16-check.sh runs it twice:
 * <ul>
 *   <li>{@code create}: asks DJL for a BFLOAT16 array. DJL's JNI maps data types with a switch that has no bfloat16
 *   case and ends in a bare {@code throw;}, so the process dies in std::terminate (exit 134): no bf16 tensor can be
 *   made, cast to or used as an op's dtype through DJL.</li>
 *   <li>{@code gemm DIR}: gets bf16 tensors the one way left, from a TorchScript module that casts (DIR holds
 *   cast.pt, written by Debian's python3-torch), and times the same [rows × in] · [in × out] product in fp32 and in
 *   bf16 through DJL's own Linear and matMul. Run with ONEDNN_VERBOSE=1, oneDNN prints a line for each primitive it
 *   executes; none means PyTorch used its reference bf16 kernel.</li>
 * </ul>
 * Usage: java -cp "target/w2s.jar:target/lib/*" bench/Bf16Check.java create | gemm DIR [rows] [in] [out]
 */
public class Bf16Check {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("create")) {
            try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                System.out.println("asking for a 2x2 BFLOAT16 array ...");
                System.out.flush();
                NDArray z = m.zeros(new Shape(2, 2), DataType.BFLOAT16);
                System.out.println("created: " + z.getDataType());
            }
            return;
        }
        Path dir = Path.of(args[1]);
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        int in = args.length > 3 ? Integer.parseInt(args[3]) : 768;
        int out = args.length > 4 ? Integer.parseInt(args[4]) : 3072;
        if (!Files.isRegularFile(dir.resolve("cast.pt"))) throw new IllegalArgumentException("no cast.pt in " + dir);
        try (Model model = Model.newInstance("cast", "PyTorch")) {
            model.load(dir, "cast");
            PtSymbolBlock cast = (PtSymbolBlock) model.getBlock();
            NDManager m = model.getNDManager();
            ParameterStore store = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(rows, in));
            NDArray w = m.randomNormal(new Shape(out, in)).mul(0.02f);
            NDArray b = m.zeros(new Shape(out));
            NDArray xb = cast.forward(store, new NDList(x), false).singletonOrThrow();
            NDArray wb = cast.forward(store, new NDList(w), false).singletonOrThrow();
            NDArray bb = cast.forward(store, new NDList(b), false).singletonOrThrow();
            NDArray y32 = Linear.linear(x, w, b).singletonOrThrow();
            float diff = y32.sub(Linear.linear(xb, wb, bb).singletonOrThrow().toType(DataType.FLOAT32, false))
                    .abs().max().getFloat();
            System.out.printf(Locale.ROOT, "bf16 product of [%d x %d] by [%d x %d]: max |bf16 - fp32| = %.4f"
                    + " (largest |output| %.2f)%n", rows, in, in, out, diff, y32.abs().max().getFloat());
            double gflop = 2.0 * rows * in * out / 1e9;
            for (int rep = 0; rep < 3; rep++) {
                double f32 = rate(() -> Linear.linear(x, w, b).singletonOrThrow().close(), gflop);
                double lin16 = rate(() -> Linear.linear(xb, wb, bb).singletonOrThrow().close(), gflop);
                double mm16 = rate(() -> xb.matMul(wb.transpose()).close(), gflop);
                System.out.printf(Locale.ROOT, "round %d: fp32 linear %.1f GFLOP/s, bf16 linear %.1f GFLOP/s, "
                        + "bf16 matMul %.1f GFLOP/s (bf16/fp32 = %.2f)%n", rep + 1, f32, lin16, mm16, lin16 / f32);
            }
        }
    }

    static double rate(Runnable product, double gflop) {
        product.run(); // warm-up
        int reps = 10;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) product.run();
        return gflop * reps / ((System.nanoTime() - t0) / 1e9);
    }
}
