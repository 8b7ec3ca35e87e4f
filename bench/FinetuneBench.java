import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import w2s.finetune.FineTuneConfig;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;
import w2s.finetune.FineTuner;
import w2s.model.Pooling;
import w2s.model.arch.ArchConfig;
import w2s.model.arch.Tokens;
import w2s.model.source.Pretrained;
import w2s.train.Losses;

/**
 * Full fine-tuning speed of any model (a bundled encoder, a folder, a Hugging Face id): steps of `batch` texts of
 * exactly `tokens` tokens, timed per phase after one warm-up step.
 * Usage: java -cp "target/w2s.jar:target/lib/*" bench/FinetuneBench.java [model] [batch] [tokens] [steps] [minibatch]
 * [lora rank (0: full fine-tuning)] [keep|recompute] [fp32|bf16|auto]
 * (bench/finetune.sh sets the options). The machine is shared: run it twice and expect noise.
 */
public class FinetuneBench {
    /**
     * Forward and backward: 6 FLOPs per weight per token, plus the attention's 12·T²·H per layer. The weights counted
     * are the backbone's less its token embeddings, which are looked up, not multiplied.
     */
    static double sentenceGflop(ArchConfig c, int tokens) {
        return sentenceGflop(c, tokens, false);
    }

    /**
     * With LoRA the frozen weights need no gradient of their own: 4 FLOPs per weight per token (forward, and the
     * gradient of the activations), and the attention's T² terms as before. The adapters' own work is left out.
     */
    static double sentenceGflop(ArchConfig c, int tokens, boolean lora) {
        double weights = Pretrained.parameters(c) - (double) c.vocabSize() * c.hidden();
        return ((lora ? 4 : 6) * weights * tokens + 12.0 * c.layers() * tokens * tokens * c.hidden()) / 1e9;
    }

    /** Peak resident memory of this process so far (VmHWM), in MB. */
    static long peakRssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        } catch (java.io.IOException e) {
            // not Linux: no figure
        }
        return -1;
    }

    static long rssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        } catch (java.io.IOException e) {
            // not Linux: no figure
        }
        return -1;
    }

    static double gemmRate() {
        return gemmRate(w2s.torch.Dtype.FP32);
    }

    /** The 1024³ matrix product's rate in this dtype, GFLOP/s (what the machine allows right now). */
    static double gemmRate(w2s.torch.Dtype dtype) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(null, 1024, 1024).to(dtype), b = Tensor.randn(null, 1024, 1024).to(dtype);
            a.matMul(b).close();
            long t = System.nanoTime();
            for (int i = 0; i < 10; i++) a.matMul(b).close();
            return 10 * 2.0 * Math.pow(1024, 3) / ((System.nanoTime() - t) / 1e9) / 1e9;
        }
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "minilm-l6";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int minibatch = args.length > 4 ? Integer.parseInt(args[4]) : batch;
        int loraRank = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        // "recompute": one minibatch's activations at a time (--grad-checkpoint), so that memory shows what the
        // weights, their gradients and Adam's state cost rather than the whole batch's autograd graph.
        boolean recompute = args.length > 6 && args[6].equals("recompute");
        // fp32, bf16 (fp32 master weights, bf16 autocast) or auto
        String dtype = args.length > 7 ? args[7] : "fp32";

        Pretrained pretrained = Pretrained.get(model);
        var checkpoint = pretrained.checkpoint();
        // Texts long enough to be truncated to exactly `tokens` tokens, so every step costs the same.
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

        FineTuneConfig settings = FineTuneConfig.defaults().withMaxTokens(tokens).withMinibatch(minibatch)
                .withPooling(checkpoint.config().causal() ? Pooling.LAST : Pooling.MEAN)
                .withLora(w2s.model.arch.Lora.Config.of(loraRank, null, null)).withKeepGraphs(!recompute).withDtype(dtype);
        System.out.printf(Locale.ROOT, "%s%s%s, %s: batch %d x %d tokens, minibatch %d, %d torch threads; CPU flags: %s%n",
                model, loraRank > 0 ? " LoRA r=" + loraRank : " full fine-tuning",
                recompute ? " (recomputing minibatches)" : "", dtype, batch, tokens, minibatch, Torch.threads(),
                Torch.speedFlags());
        double gemmBefore = gemmRate();
        try (FineTuner tuner = new FineTuner(checkpoint, settings, 0)) {
            System.out.printf(Locale.ROOT, "parameters: %d trainable of %d; %s%n", tuner.trainableParameters(),
                    tuner.totalParameters(), tuner.dtype().reason());
            var loss = Losses.get("xent");
            int[] warm = new int[batch];
            for (int i = 0; i < batch; i++) warm[i] = i;
            tuner.step(rows, labels, warm, loss, 0, 5e-5, 0, 0);
            long rssWarm = rssMb();
            FineTuner.Timings t = tuner.timings();
            long[] rss = new long[steps];
            long f0 = t.forward, b0 = t.backward, o0 = t.optimizer, l0 = t.loss;
            for (int s = 1; s <= steps; s++) {
                int[] idx = new int[batch];
                for (int i = 0; i < batch; i++) idx[i] = s * batch + i;
                tuner.step(rows, labels, idx, loss, (double) s / steps, 5e-5, 0, s);
                rss[s - 1] = rssMb();
            }
            long rssEnd = rssMb();
            double gemmAfter = gemmRate();
            double f = (t.forward - f0) / 1e9 / steps, b = (t.backward - b0) / 1e9 / steps;
            double o = (t.optimizer - o0) / 1e9 / steps, l = (t.loss - l0) / 1e9 / steps;
            double total = f + b + o + l;
            System.out.printf(Locale.ROOT, "per step: forward %.3fs  backward %.3fs  optimizer %.3fs  loss %.4fs"
                    + "  total %.3fs%n", f, b, o, l, total);
            System.out.printf(Locale.ROOT, "%.1f sentences/s%n", batch / total);
            System.out.printf(Locale.ROOT, "resident memory: %d MB after the warm-up step, %d MB after %d more"
                    + " (a leak would grow it every step); peak %d MB%n", rssWarm, rssEnd, steps, peakRssMb());
            System.out.println("resident memory after each step, MB: " + java.util.Arrays.toString(rss));
            // What the machine allowed during the run: the matrix products alone at the measured 1024^3 rate.
            double gflop = sentenceGflop(checkpoint.config(), tokens, loraRank > 0);
            double rate = Math.max(gemmBefore, gemmAfter);
            System.out.printf(Locale.ROOT, "fp32 1024^3 matmul: %.0f GFLOP/s before, %.0f after (137 on an idle machine);"
                    + " %.1f GFLOP per sentence, so at most %.1f sentences/s now: %.0f%% of that reached%n",
                    gemmBefore, gemmAfter, gflop, rate / gflop, 100 * batch / total / (rate / gflop));
        }
    }
}
