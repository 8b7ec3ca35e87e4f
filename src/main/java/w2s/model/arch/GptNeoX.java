package w2s.model.arch;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;

/**
 * GPT-NeoX (EleutherAI's Pythia models), as Hugging Face's {@code modeling_gpt_neox.py} computes it: token
 * embeddings, then pre-LayerNorm blocks of causal attention with rotary embeddings on the first
 * {@code rotary_pct × head_dim} dimensions of each query and key head ("rotate half"; Pythia: a quarter), and an
 * exact-GELU feed-forward. With {@code use_parallel_residual} (Pythia) a block computes
 * {@code x + attn(ln1(x)) + mlp(ln2(x))}, otherwise {@code y = x + attn(ln1(x)); y + mlp(ln2(y))}. A final LayerNorm
 * closes the stack; the untied LM head {@code embed_out} is not read.
 *
 * <p>The fused query-key-value projection is kept as stored: its output is laid out per head, [heads, 3 × head_dim],
 * query, key and value of one head side by side.
 */
public final class GptNeoX implements Backbone {

    // -------------------------------------------------------------------------------------------------------------
    // Configuration
    // -------------------------------------------------------------------------------------------------------------

    /**
     * The shape of a GPT-NeoX decoder. Only what is implemented here is accepted: exact GELU, biases on the
     * attention projections, no rope_scaling.
     *
     * @param rotaryDims the leading dimensions of each head that are rotated, int(head_dim × rotary_pct)
     */
    public record Config(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int rotaryDims, double rotaryBase, boolean parallelResidual, double layerNormEps)
            implements ArchConfig {

        public Config {
            if (heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException("gpt_neox: hidden size " + hidden + " is not a multiple of "
                        + heads + " heads");
            }
            if (rotaryDims < 0 || rotaryDims > hidden / heads || rotaryDims % 2 != 0) {
                throw new IllegalArgumentException("gpt_neox: " + rotaryDims + " rotary dimensions do not fit a head of "
                        + hidden / heads + " (they must be even)");
            }
        }

        public int headSize() {
            return hidden / heads;
        }

        @Override
        public String modelType() {
            return "gpt_neox";
        }

        @Override
        public boolean causal() {
            return true;
        }

        static Config read(JsonNode c, String where) {
            String act = c.path("hidden_act").asText("gelu");
            if (!act.equals("gelu")) {
                throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported (only gelu)");
            }
            if (!c.path("attention_bias").asBoolean(true)) {
                throw new IllegalArgumentException(where + ": attention_bias false is not supported (only true)");
            }
            JsonNode scaling = c.path("rope_scaling");
            if (!scaling.isMissingNode() && !scaling.isNull()) {
                throw new IllegalArgumentException(where + ": rope_scaling " + scaling + " is not supported (only null)");
            }
            // Newer transformers name rotary_pct partial_rotary_factor and rotary_emb_base rope_theta.
            double pct = c.path("partial_rotary_factor").isNumber() ? c.get("partial_rotary_factor").asDouble()
                    : c.path("rotary_pct").asDouble(0.25);
            double base = c.path("rope_theta").isNumber() ? c.get("rope_theta").asDouble()
                    : c.path("rotary_emb_base").asDouble(10000);
            int hidden = Architectures.integer(c, "hidden_size", where);
            int heads = Architectures.integer(c, "num_attention_heads", where);
            if (heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException(where + ": hidden_size " + hidden + " is not a multiple of "
                        + heads + " num_attention_heads");
            }
            int rotary = (int) (hidden / heads * pct);
            if (pct < 0 || pct > 1 || rotary % 2 != 0) {
                throw new IllegalArgumentException(where + ": rotary_pct " + pct + " gives " + rotary
                        + " rotary dimensions of a " + hidden / heads + "-dimensional head (must be even, 0 to all)");
            }
            return new Config(Architectures.integer(c, "vocab_size", where), hidden,
                    Architectures.integer(c, "num_hidden_layers", where), heads,
                    Architectures.integer(c, "intermediate_size", where),
                    c.path("max_position_embeddings").asInt(2048), rotary, base,
                    c.path("use_parallel_residual").asBoolean(true), c.path("layer_norm_eps").asDouble(1e-5));
        }

        /**
         * Checkpoints of GPTNeoXForCausalLM prefix the model with "gpt_neox."; the LM head {@code embed_out} and the
         * attention buffers old checkpoints store ({@code attention.bias}, {@code attention.masked_bias},
         * {@code attention.rotary_emb.inv_freq}) are not read.
         */
        @Override
        public String canonicalName(String stored) {
            String name = stored.startsWith("gpt_neox.") ? stored.substring(9) : stored;
            if (name.endsWith(".attention.bias") || name.endsWith(".attention.masked_bias")
                    || name.contains(".rotary_emb.")) {
                return null;
            }
            return name.startsWith("embed_in.") || name.startsWith("layers.") || name.startsWith("final_layer_norm.")
                    ? name : null;
        }

        /** The tensors of a Hugging Face GPTNeoXModel, in order. */
        @Override
        public Map<String, long[]> shapes() {
            int h = hidden, i = intermediate;
            Map<String, long[]> s = new LinkedHashMap<>();
            s.put("embed_in.weight", new long[] {vocabSize, h});
            for (int l = 0; l < layers; l++) {
                String p = "layers." + l + ".";
                s.put(p + "input_layernorm.weight", new long[] {h});
                s.put(p + "input_layernorm.bias", new long[] {h});
                s.put(p + "post_attention_layernorm.weight", new long[] {h});
                s.put(p + "post_attention_layernorm.bias", new long[] {h});
                s.put(p + "attention.query_key_value.weight", new long[] {3L * h, h});
                s.put(p + "attention.query_key_value.bias", new long[] {3L * h});
                s.put(p + "attention.dense.weight", new long[] {h, h});
                s.put(p + "attention.dense.bias", new long[] {h});
                s.put(p + "mlp.dense_h_to_4h.weight", new long[] {i, h});
                s.put(p + "mlp.dense_h_to_4h.bias", new long[] {i});
                s.put(p + "mlp.dense_4h_to_h.weight", new long[] {h, i});
                s.put(p + "mlp.dense_4h_to_h.bias", new long[] {h});
            }
            s.put("final_layer_norm.weight", new long[] {h});
            s.put("final_layer_norm.bias", new long[] {h});
            return s;
        }

        @Override
        public Backbone build(Map<String, Tensor> tensors, NDManager manager) {
            return new GptNeoX(this, tensors, manager);
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Rotary embedding (copied from Llama, so that each architecture's file stands alone)
    // -------------------------------------------------------------------------------------------------------------

    /** inv_freq = base^(−2i/r), i = 0 … r/2 − 1, over the r rotary dimensions. */
    static float[] inverseFrequencies(double base, int dim) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) (1.0 / Math.pow(base, 2.0 * i / dim));
        return inv;
    }

    /** cos and sin of position × inv_freq for positions 0 … T−1, [T, r] each (the frequencies repeated twice). */
    private static NDArray[] cosSin(NDManager m, NDArray invFreq, long length) {
        NDArray t = m.arange(0f, (float) length, 1f).reshape(length, 1);
        NDArray freqs = t.mul(invFreq.reshape(1, -1));
        NDArray emb = freqs.concat(freqs, 1);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /** x·cos + rotate_half(x)·sin, where rotate_half(x) = [−x₂, x₁] for the halves x₁, x₂ of the last axis. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(x.getShape().dimension() - 1) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half)), x2 = x.get(new NDIndex("..., {}:", half));
        return x.mul(cos).add(x2.neg().concat(x1, -1).mul(sin));
    }

    /** Rotates the first r dimensions of each head and passes the rest through (GPT-NeoX's partial rotary). */
    private NDArray partialRotate(NDArray x, NDArray cos, NDArray sin) {
        int r = config.rotaryDims(), d = config.headSize();
        if (r == 0) return x;
        if (r == d) return rotate(x, cos, sin);
        return rotate(x.get(new NDIndex("..., :{}", r)), cos, sin).concat(x.get(new NDIndex("..., {}:", r)), -1);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Model
    // -------------------------------------------------------------------------------------------------------------

    private final Config config;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final NDArray words, finalNormW, finalNormB, invFreq;
    /** Torch-owned scalars (see {@link Torch#constant}). */
    private final NDArray attentionScale, blocked;
    private Lora lora = Lora.NONE;

    private GptNeoX(Config config, Map<String, Tensor> t, NDManager manager) {
        this.config = config;
        attentionScale = Torch.constant(manager, (float) (1 / Math.sqrt(config.headSize())));
        blocked = Torch.constant(manager, -1e9f);
        float[] inv = inverseFrequencies(config.rotaryBase(), Math.max(config.rotaryDims(), 2));
        invFreq = Torch.copy(manager, new Tensor(new long[] {inv.length}, inv));
        // Every tensor is kept as stored, under its canonical name, in the order of shapes().
        for (String name : config.shapes().keySet()) parameters.put(name, Torch.copy(manager, t.get(name)));
        words = parameters.get("embed_in.weight");
        finalNormW = parameters.get("final_layer_norm.weight");
        finalNormB = parameters.get("final_layer_norm.bias");
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public NDArray wordEmbeddings() {
        return words;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public int blockOf(String parameter) {
        if (parameter.startsWith("embed_in.")) return 0;
        if (parameter.startsWith("final_layer_norm.")) return config.layers() + 1;
        String rest = parameter.substring("layers.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private NDArray p(int layer, String name) {
        return parameters.get("layers." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block, e.g. "attention.query_key_value". */
    private NDArray linear(NDArray x, int layer, String module) {
        String weight = "layers." + layer + "." + module + ".weight";
        return lora.linear(weight, x, parameters.get(weight), p(layer, module + ".bias"));
    }

    /** Hugging Face's modules; query_key_value is one module there too. */
    @Override
    public Map<String, Lora.Site> linearModules() {
        Map<String, Lora.Site> m = new LinkedHashMap<>();
        for (int l = 0; l < config.layers(); l++) {
            for (String module : new String[] {"attention.query_key_value", "attention.dense", "mlp.dense_h_to_4h",
                    "mlp.dense_4h_to_h"}) {
                String weight = "layers." + l + "." + module + ".weight";
                m.put("layers." + l + "." + module, new Lora.Site(weight, 0, parameters.get(weight).getShape().get(0)));
            }
        }
        return m;
    }

    @Override
    public void useAdapters(Lora adapters) {
        this.lora = java.util.Objects.requireNonNull(adapters);
    }

    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.hidden()), weight, bias, (float) config.layerNormEps())
                .singletonOrThrow();
    }

    private NDArray attention(int l, NDArray h, NDArray cos, NDArray sin, NDArray maskBias) {
        long size = h.getShape().get(0), length = h.getShape().get(1);
        int heads = config.heads(), d = config.headSize();
        // [B, T, heads, 3d] → [B, heads, T, 3d]; query, key and value are consecutive thirds of each head
        NDArray qkv = linear(h, l, "attention.query_key_value").reshape(size, length, heads, 3L * d).transpose(0, 2, 1, 3);
        NDArray q = partialRotate(qkv.get(new NDIndex("..., :{}", d)), cos, sin);
        NDArray k = partialRotate(qkv.get(new NDIndex("..., {}:{}", d, 2 * d)), cos, sin);
        NDArray v = qkv.get(new NDIndex("..., {}:", 2 * d));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale).add(maskBias);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(size, length, config.hidden());
        return linear(context, l, "attention.dense");
    }

    private NDArray mlp(int l, NDArray h) {
        NDArray up = Activation.gelu(linear(h, l, "mlp.dense_h_to_4h"));
        return linear(up, l, "mlp.dense_4h_to_h");
    }

    @Override
    public NDList forward(NDArray wordVectors, Batch batch, boolean allLayers) {
        long size = batch.ids().getShape().get(0), length = batch.ids().getShape().get(1);
        NDManager m = wordVectors.getManager();
        NDArray[] cs = cosSin(m, invFreq, length);
        NDArray cos = cs[0], sin = cs[1];
        if (config.rotaryDims() < 2) cos = sin = null;

        // Causal attention under the key padding mask, [B, 1, T, T]: a key is blocked if in the future or padding.
        NDArray positions = m.arange(0f, (float) length, 1f);
        NDArray future = positions.reshape(1, length).gt(positions.reshape(length, 1));
        NDArray padding = batch.mask().lt(0.5f).reshape(size, 1, length);
        NDArray maskBias = future.reshape(1, length, length).logicalOr(padding).toType(DataType.FLOAT32, false)
                .mul(blocked).reshape(size, 1, length, length);

        NDArray x = wordVectors;
        NDList states = new NDList();
        if (allLayers) states.add(x);
        for (int l = 0; l < config.layers(); l++) {
            NDArray attended = attention(l, layerNorm(x, p(l, "input_layernorm.weight"), p(l, "input_layernorm.bias")),
                    cos, sin, maskBias);
            if (config.parallelResidual()) {
                NDArray ff = mlp(l, layerNorm(x, p(l, "post_attention_layernorm.weight"),
                        p(l, "post_attention_layernorm.bias")));
                x = ff.add(attended).add(x);
            } else {
                NDArray y = attended.add(x);
                x = mlp(l, layerNorm(y, p(l, "post_attention_layernorm.weight"), p(l, "post_attention_layernorm.bias")))
                        .add(y);
            }
            if (allLayers && l < config.layers() - 1) states.add(x);
        }
        x = layerNorm(x, finalNormW, finalNormB);
        if (allLayers) states.add(x);
        return allLayers ? states : new NDList(x);
    }
}
