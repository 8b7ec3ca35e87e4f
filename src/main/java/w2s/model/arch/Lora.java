package w2s.model.arch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import w2s.torch.Nn;
import w2s.torch.Tensor;

/**
 * Low-rank adapters (LoRA, Hu et al. 2021) on a backbone's linear layers, as Hugging Face's PEFT computes them:
 * for a target with frozen weight W [out, in], A [r, in] (Kaiming-uniform, bound 1/√in, seeded) and B [out, r]
 * (zeros), and the layer computes {@code x·Wᵀ + b + (alpha/r)·(x·Aᵀ)·Bᵀ}. B = 0 makes the adapted model equal to the
 * base model at initialisation. No dropout on the adapter input (dropout is off everywhere here).
 *
 * <p>Every architecture routes its linear layers through {@link #linear}; a backbone without adapters holds
 * {@link #NONE}, for which that is the plain linear layer. Modules are named as Hugging Face names them, and a
 * target matches a module as PEFT's {@code target_modules} does: the module's full name, or a suffix of it after a
 * dot ({@code "query"} matches {@code encoder.layer.0.attention.self.query}); {@value #ALL_LINEAR} matches every
 * linear layer of the blocks.
 *
 * <p>Where this project fuses layers into one matrix (BERT's and Llama's query, key and value; Llama's gate and up
 * projections), each targeted layer keeps its own adapter on its slice of the fused output: the result is exactly
 * LoRA on the separate layers, as PEFT would apply it to the Hugging Face model. GPT-2's {@code c_attn} and
 * GPT-NeoX's {@code query_key_value} are single layers in Hugging Face too, and get one adapter each, as in PEFT.
 */
public final class Lora {
    /** PEFT's name for "every linear layer" (the output head excluded, which trains in full here). */
    public static final String ALL_LINEAR = "all-linear";

    /** No adapters: {@link #linear} is the plain linear layer. */
    public static final Lora NONE = new Lora(Map.of(), Map.of(), 1);

    /**
     * Where a linear layer's weight sits among a backbone's {@link Backbone#parameters()}: rows
     * {@code offset … offset + rows − 1} of a [out, in] matrix (all of them unless the matrix is fused).
     */
    public record Site(String weight, long offset, long rows) {}

    /**
     * LoRA settings.
     *
     * @param rank    r, the rank of each adapter (≥ 1)
     * @param alpha   the adapter output is scaled by alpha / r (PEFT's default, and EleutherAI's w2s: alpha = 8 with
     *                r = 8, i.e. alpha = r)
     * @param targets module names or suffixes, or {@value #ALL_LINEAR}
     */
    public record Config(int rank, double alpha, List<String> targets) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
            }
            targets = targets == null || targets.isEmpty() ? List.of(ALL_LINEAR) : List.copyOf(targets);
        }

        /**
         * The settings of the command line: rank 0 (or none) is full fine-tuning and then takes no alpha or
         * targets; alpha defaults to the rank, targets to {@value #ALL_LINEAR}. Null for full fine-tuning.
         */
        public static Config of(Integer rank, Double alpha, List<String> targets) {
            if (rank == null || rank == 0) {
                if (targets != null || alpha != null) {
                    throw new IllegalArgumentException("LoRA " + (targets != null ? "targets " + targets : "alpha "
                            + alpha) + " given with LoRA rank " + (rank == null ? "unset" : rank) + "; set a rank"
                            + " of 1 or more (rank 0 means full fine-tuning)");
                }
                return null;
            }
            if (rank < 0) throw new IllegalArgumentException("LoRA rank must be 0 (full fine-tuning) or more, got " + rank);
            return new Config(rank, alpha != null ? alpha : rank, targets);
        }

        /** Rank r, alpha = r (scale 1, as PEFT's and EleutherAI's defaults at r = 8), every linear layer. */
        public static Config of(int rank) {
            return new Config(rank, rank, List.of(ALL_LINEAR));
        }

        public double scale() {
            return alpha / rank;
        }
    }

    /** One targeted layer's adapter: its rows of the (possibly fused) output, A [r, in], B [rows, r]. */
    private record Slice(long offset, long rows, Tensor a, Tensor b) {}

    /** The adapters of one weight matrix, in order of their rows; rows no slice covers get no update. */
    private record Adapter(long outRows, List<Slice> slices) {}

    private final Map<String, Adapter> byWeight;
    private final Map<String, Tensor> parameters;
    private final double scale;

    private Lora(Map<String, Adapter> byWeight, Map<String, Tensor> parameters, double scale) {
        this.byWeight = byWeight;
        this.parameters = parameters;
        this.scale = scale;
    }

    /**
     * Adapters for the targeted linear layers of a backbone, owned by {@code weights}' owner, in fp32 (they train). A is drawn from a
     * {@code java.util.Random} seeded with {@code seed}, module by module in the backbone's order.
     *
     * @throws IllegalArgumentException if a target matches no module (the message names the modules there are)
     */
    public static Lora create(Backbone backbone, Config config, long seed, Weights weights) {
        Map<String, Site> modules = backbone.linearModules();
        Set<String> chosen = new LinkedHashSet<>();
        for (String target : config.targets()) {
            List<String> hit = modules.keySet().stream().filter(m -> matches(m, target)).toList();
            if (hit.isEmpty()) {
                throw new IllegalArgumentException("LoRA target '" + target + "' matches no linear layer of this "
                        + backbone.config().modelType() + " model; its linear layers are " + String.join(", ",
                        kinds(modules.keySet())) + " (N = 0 … " + (backbone.config().layers() - 1) + "), or use "
                        + ALL_LINEAR);
            }
            chosen.addAll(hit);
        }
        Random random = new Random(seed);
        Map<String, List<Slice>> slices = new LinkedHashMap<>();
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        int r = config.rank();
        for (Map.Entry<String, Site> e : modules.entrySet()) {
            if (!chosen.contains(e.getKey())) continue;
            Site site = e.getValue();
            Tensor w = backbone.parameters().get(site.weight());
            if (w == null) throw new IllegalStateException("no parameter " + site.weight() + " for " + e.getKey());
            int in = (int) w.size(1);
            float bound = (float) (1 / Math.sqrt(in)); // kaiming_uniform_(a=√5), as PEFT initialises lora_A
            float[] data = new float[r * in];
            for (int i = 0; i < data.length; i++) data[i] = (2 * random.nextFloat() - 1) * bound;
            Tensor a = weights.fp32(data, r, in);
            Tensor b = weights.fp32(new float[(int) (site.rows() * r)], site.rows(), r);
            a.requiresGrad(true);
            b.requiresGrad(true);
            parameters.put(e.getKey() + ".lora_A.weight", a);
            parameters.put(e.getKey() + ".lora_B.weight", b);
            slices.computeIfAbsent(site.weight(), k -> new ArrayList<>()).add(new Slice(site.offset(), site.rows(), a, b));
        }
        Map<String, Adapter> byWeight = new LinkedHashMap<>();
        slices.forEach((weight, list) -> {
            list.sort((x, y) -> Long.compare(x.offset(), y.offset()));
            byWeight.put(weight, new Adapter(backbone.parameters().get(weight).size(0), List.copyOf(list)));
        });
        return new Lora(Collections.unmodifiableMap(byWeight), Collections.unmodifiableMap(parameters), config.scale());
    }

    /** Whether a PEFT-style target names a module: its full name, or a suffix after a dot. */
    static boolean matches(String module, String target) {
        return target.equals(ALL_LINEAR) || module.equals(target) || module.endsWith("." + target);
    }

    /** Module names with their layer number replaced by N, each once, in order. */
    static List<String> kinds(Iterable<String> modules) {
        Set<String> kinds = new LinkedHashSet<>();
        for (String m : modules) kinds.add(m.replaceAll("\\.\\d+\\.", ".N."));
        return List.copyOf(kinds);
    }

    /** The adapter matrices, {@code <module>.lora_A.weight} and {@code <module>.lora_B.weight}, in module order. */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /**
     * The linear layer {@code x·Wᵀ + b} whose weight is the parameter named {@code weightName}, plus its adapters'
     * {@code (alpha/r)·(x·Aᵀ)·Bᵀ} on their rows of the output, if it has any.
     */
    public Tensor linear(String weightName, Tensor x, Tensor weight, Tensor bias) {
        Tensor y = Nn.linear(x, weight, bias);
        Adapter adapter = byWeight.get(weightName);
        return adapter == null ? y : y.add(delta(adapter, x));
    }

    private Tensor delta(Adapter adapter, Tensor x) {
        List<Tensor> pieces = new ArrayList<>();
        long at = 0;
        for (Slice s : adapter.slices()) {
            if (s.offset() > at) pieces.add(zeros(x, s.offset() - at));
            Tensor low = Nn.linear(x, s.a(), null).mul(scale);
            pieces.add(Nn.linear(low, s.b(), null));
            at = s.offset() + s.rows();
        }
        if (at < adapter.outRows()) pieces.add(zeros(x, adapter.outRows() - at));
        return Tensor.concat(pieces, -1);
    }

    /** Zeros of x's shape but {@code width} wide, in the dtype of an adapter's output (x's, or autocast's). */
    private static Tensor zeros(Tensor x, long width) {
        return x.zeros(expanded(x.shape(), width));
    }

    private static long[] expanded(long[] shape, long width) {
        long[] s = shape.clone();
        s[s.length - 1] = width;
        return s;
    }
}
