import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import w2s.generate.Greedy;
import w2s.model.arch.Backbone;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Weights;
import w2s.torch.Nn;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * Greedy decoding with the key/value cache on a GPT-2-small-shaped checkpoint with random weights (written by
 * DecoderBench; speed does not depend on the values), fp32, batch 1: the cost of a generated token at 8, 32 and 128
 * new tokens after a 16-token prompt (the prefill's cost, measured alone, taken out), against the matmul-limited
 * token rate measured in the same run: the time of the products with the weight matrices that one token needs (per
 * layer [1,768]×[768,2304], [768,768], [768,3072], [3072,768], then the LM head [1,768]×[768,50257]), run alone
 * through the same op (Nn.linear) on the model's own weights. Also the rate of a batch of 8 prompts of different
 * lengths (left-padded), which reads each weight once for 8 tokens.
 * Usage: bench/decode.sh [prompt tokens=16] [repeats=5].
 */
public class DecodeBench {
    static double seconds(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return (System.nanoTime() - t) / 1e9;
    }

    /** The fastest of {@code repeats} runs: the least disturbed by other work on the machine. */
    static double best(int repeats, Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) best = Math.min(best, seconds(r));
        return best;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int promptLength = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Checkpoint checkpoint = Checkpoint.fromHuggingFace(dir);
        Random random = new Random(0);
        long[] prompt = new long[promptLength];
        for (int i = 0; i < prompt.length; i++) prompt[i] = random.nextInt(50000);
        List<long[]> prompts = List.of(prompt);
        System.out.printf(Locale.ROOT, "CPU flags: %s; %d torch threads; fp32, batch 1, %d-token prompt%n",
                Torch.speedFlags(), Torch.threads(), promptLength);
        try (Scope owner = Scope.owner()) {
            Backbone model = checkpoint.languageModel(Weights.fp32(owner));
            Greedy.greedy(model, prompts, 8, Set.of()); // warm-up
            double prefill = best(repeats, () -> Greedy.greedy(model, prompts, 1, Set.of()));
            System.out.printf(Locale.ROOT, "prefill + 1 token: %.1f ms%n", prefill * 1e3);
            List<Double> perToken = new ArrayList<>();
            for (int n : new int[] {8, 32, 128}) {
                double total = best(repeats, () -> {
                    if (Greedy.greedy(model, prompts, n, Set.of()).get(0).ids().length != n) {
                        throw new IllegalStateException("stopped early");
                    }
                });
                double each = (total - prefill) / (n - 1);
                perToken.add(each);
                System.out.printf(Locale.ROOT, "%3d new tokens: %.3f s in all, %.2f ms per token after the first"
                        + " (%.1f tokens/s)%n", n, total, each * 1e3, 1 / each);
            }
            // Batching: 8 prompts of different lengths (left padding), 32 new tokens each.
            List<long[]> eight = new ArrayList<>();
            for (int i = 0; i < 8; i++) eight.add(Arrays.copyOf(prompt, promptLength - i));
            double batch = best(Math.min(repeats, 3), () -> Greedy.greedy(model, eight, 32, Set.of()));
            System.out.printf(Locale.ROOT, "batch of 8 prompts (%d to %d tokens), 32 new tokens each: %.3f s, %.1f"
                    + " tokens/s in all%n", promptLength - 7, promptLength, batch, 8 * 32 / batch);
            double products;
            try (w2s.torch.Torch.Mode off = Torch.noGrad(); Scope scope = Scope.open()) {
                List<Tensor[]> weights = new ArrayList<>();
                for (int l = 0; l < model.config().layers(); l++) {
                    for (String m : new String[] {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"}) {
                        String p = "h." + l + "." + m;
                        weights.add(new Tensor[] {model.parameters().get(p + ".weight"),
                                model.parameters().get(p + ".bias")});
                    }
                }
                weights.add(new Tensor[] {model.lmHead(), null});
                Tensor[] inputs = {Tensor.randn(null, 1, 768), Tensor.randn(null, 1, 3072)};
                Runnable token = () -> {
                    try (Scope s = Scope.open()) {
                        for (Tensor[] w : weights) Nn.linear(inputs[w[0].size(1) == 768 ? 0 : 1], w[0], w[1]);
                    }
                };
                token.run();
                int tokens = 20;
                products = best(repeats, () -> { for (int i = 0; i < tokens; i++) token.run(); }) / tokens;
            }
            double worst = perToken.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double first = perToken.get(0), last = perToken.get(perToken.size() - 1);
            System.out.printf(Locale.ROOT, "weight products alone: %.2f ms per token (%.1f tokens/s, the"
                    + " matmul-limited rate)%n", products * 1e3, 1 / products);
            System.out.printf(Locale.ROOT, "decode at %s ms per token: %.0f%%, %.0f%%, %.0f%% of the matmul-limited"
                    + " rate (128 against 8 tokens: %.2fx the cost per token)%n",
                    Arrays.toString(perToken.stream().mapToDouble(d -> Math.round(d * 1e5) / 100.0).toArray()),
                    100 * products / perToken.get(0), 100 * products / perToken.get(1), 100 * products / perToken.get(2),
                    last / first);
            if (worst <= 0) throw new IllegalStateException("no time measured");
        }
    }
}
