import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import w2s.finetune.FineTuneConfig;
import w2s.finetune.FineTuner;
import w2s.model.arch.Lora;
import w2s.model.arch.Tokens;
import w2s.torch.Device;
import w2s.torch.Torch;
import w2s.model.source.Pretrained;
import w2s.train.Losses;

/**
 * The CUDA path end to end, on a machine with a GPU and the -Pcuda build (bench/gpu-check.sh runs it): the engine sees
 * the GPU, "auto" picks it, a bad index is refused, a few LoRA and full fine-tuning steps on cuda:0 give the same
 * predictions as on the CPU, and the speed of both on the GPU. Exits non-zero on the first failed check.
 * Usage: java -cp "target/w2s.jar:target/lib/*" bench/GpuCheck.java [model] [batch] [tokens] [steps]
 */
public class GpuCheck {
    static void check(boolean ok, String what) {
        System.out.println((ok ? "ok    " : "FAIL  ") + what);
        if (!ok) System.exit(1);
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "minilm-l6";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 20;

        System.out.println("engine: " + Torch.version() + (Torch.cudaBuild() ? ", CUDA build" : ", CPU build") + ", GPUs visible: " + Torch.gpus());
        check(Torch.gpus() > 0, "the engine sees a GPU (else: not the -Pcuda build, or no driver)");
        check(Device.parse("auto").id().equals("cuda:0"), "--device auto picks cuda:0");
        try {
            Device.parse("cuda:" + Torch.gpus());
            check(false, "a GPU index that does not exist is refused");
        } catch (IllegalArgumentException e) {
            check(e.getMessage().contains("does not exist"), "a GPU index that does not exist is refused: "
                    + e.getMessage());
        }

        var checkpoint = Pretrained.get(model).checkpoint();
        String[] words = ("the a movie film plot actor great terrible boring loved hated story scene music ending"
                + " character director script camera time people world life year work").split(" ");
        Random random = new Random(1);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < batch * (steps + 1); i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < tokens * 2; w++) sb.append(words[random.nextInt(words.length)]).append(' ');
            texts.add(sb.toString());
        }
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), tokens, texts);
        double[][] labels = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) labels[i] = random.nextBoolean() ? new double[] {1, 0} : new double[] {0, 1};
        Tokens.Encoded[] probe = java.util.Arrays.copyOf(rows, 16);

        for (String dtype : new String[] {"fp32", "bf16"}) for (int rank : new int[] {0, 8}) {
            String name = (rank == 0 ? "full fine-tuning" : "LoRA r=" + rank) + ", " + dtype;
            FineTuneConfig settings = FineTuneConfig.defaults().withMaxTokens(tokens).withMinibatch(batch)
                    .withLora(Lora.Config.of(rank, null, null)).withDtype(dtype);
            // The same three steps on the CPU and on the GPU: the predictions must agree to float tolerance.
            double[][][] predictions = new double[2][][];
            String[] devices = {"cpu", "cuda:0"};
            for (int d = 0; d < 2; d++) {
                try (FineTuner tuner = new FineTuner(checkpoint, settings.withDevice(devices[d]), 0)) {
                    check(tuner.deviceName().equals(devices[d]), name + ": the model lives on " + devices[d]);
                    for (int s = 0; s < 3; s++) {
                        int[] idx = new int[batch];
                        for (int i = 0; i < batch; i++) idx[i] = s * batch + i;
                        tuner.step(rows, labels, idx, Losses.get("xent"), 0, 1e-4, 0, s);
                    }
                    predictions[d] = tuner.predict(probe);
                }
            }
            double worst = 0;
            for (int i = 0; i < probe.length; i++) worst = Math.max(worst, Math.abs(predictions[0][i][1] - predictions[1][i][1]));
            // Both devices run the same dtype; bf16's rounding differs between the CPU's and the GPU's kernels.
            check(worst < (dtype.equals("bf16") ? 2e-2 : 1e-3), String.format(Locale.ROOT, "%s: CPU and GPU predictions after 3 steps agree (max |Δp| %.2e)",
                    name, worst));

            try (FineTuner tuner = new FineTuner(checkpoint, settings.withDevice("cuda:0"), 0)) {
                int[] warm = new int[batch];
                for (int i = 0; i < batch; i++) warm[i] = i;
                tuner.step(rows, labels, warm, Losses.get("xent"), 0, 1e-4, 0, 0);
                long t = System.nanoTime();
                for (int s = 1; s <= steps; s++) {
                    int[] idx = new int[batch];
                    for (int i = 0; i < batch; i++) idx[i] = s * batch + i;
                    tuner.step(rows, labels, idx, Losses.get("xent"), 0, 1e-4, 0, s);
                }
                double seconds = (System.nanoTime() - t) / 1e9;
                System.out.printf(Locale.ROOT, "      %s on cuda:0: %.1f sentences/s (batch %d x %d tokens, %d steps;"
                        + " %d of %d parameters trained)%n", name, steps * batch / seconds, batch, tokens, steps,
                        tuner.trainableParameters(), tuner.totalParameters());
            }
        }
        System.out.println("all GPU checks passed");
    }
}
