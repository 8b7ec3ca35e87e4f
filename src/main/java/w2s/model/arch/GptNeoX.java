package w2s.model.arch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.torch.Nn;
import w2s.torch.Tensor;

/**
 * GPT-NeoX (EleutherAI's Pythia models), as Hugging Face's {@code modeling_gpt_neox.py} computes it: token
 * embeddings, then pre-LayerNorm blocks of causal attention with rotary embeddings on the first
 * {@code rotary_pct × head_dim} dimensions of each query and key head ("rotate half"; Pythia: a quarter), and an
 * exact-GELU feed-forward. With {@code use_parallel_residual} (Pythia) a block computes
 * {@code x + attn(ln1(x)) + mlp(ln2(x))}, otherwise {@code y = x + attn(ln1(x)); y + mlp(ln2(y))}. A final LayerNorm
 * closes the stack; the LM head {@code embed_out} (untied in Pythia) is read only for a language model.
 *
 * <p>The fused query-key-value projection is kept as stored: its output is laid out per head, [heads, 3 × head_dim],
 * query, key and value of one head side by side.
 *
 * <p>For generation the same blocks run on new tokens only ({@link #forward(Tensor, KvCache)}): they are rotated
 * by their absolute positions, after the cache's, and attention reads the cached keys and values of the past.
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
     * @param tiedLmHead the LM head is {@code embed_in} (config.json's {@code tie_word_embeddings}, false by default
     *                   as in GPTNeoXConfig), else the checkpoint's {@code embed_out.weight}
     */
    public record Config(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int rotaryDims, double rotaryBase, boolean parallelResidual, double layerNormEps,
                         boolean tiedLmHead)
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
                    c.path("use_parallel_residual").asBoolean(true), c.path("layer_norm_eps").asDouble(1e-5),
                    c.path("tie_word_embeddings").asBoolean(false));
        }

        @Override
        public String lmHeadName() {
            return tiedLmHead ? null : "embed_out.weight";
        }

        /**
         * Checkpoints of GPTNeoXForCausalLM prefix the model with "gpt_neox."; the attention buffers old checkpoints
         * store ({@code attention.bias}, {@code attention.masked_bias}, {@code attention.rotary_emb.inv_freq}) are
         * not read, nor is {@code embed_out} when the head is tied.
         */
        @Override
        public String canonicalName(String stored) {
            if (stored.equals("embed_out.weight")) return lmHeadName();
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
        public Backbone build(Map<String, StoredTensor> tensors, Weights weights, boolean lmHead) {
            return new GptNeoX(this, tensors, weights, lmHead);
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

    /**
     * cos and sin of position × inv_freq for fp32 positions [T] (or [B, 1, T], each row its own), [..., T, r] each
     * (the frequencies repeated twice), computed in fp32 and then cast to the activations' dtype, as Hugging Face
     * does.
     */
    private static Tensor[] cosSin(Tensor invFreq, Tensor positions, Tensor like) {
        Tensor freqs = positions.unsqueeze(-1).mul(invFreq);
        Tensor emb = Tensor.concat(List.of(freqs, freqs), -1);
        return new Tensor[] {emb.cos().to(like.dtype()), emb.sin().to(like.dtype())};
    }

    /** x·cos + rotate_half(x)·sin, where rotate_half(x) = [−x₂, x₁] for the halves x₁, x₂ of the last axis. */
    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(-1) / 2;
        Tensor x1 = x.slice(-1, 0, half), x2 = x.slice(-1, half, x.size(-1));
        return x.mul(cos).add(Tensor.concat(List.of(x2.neg(), x1), -1).mul(sin));
    }

    /** Rotates the first r dimensions of each head and passes the rest through (GPT-NeoX's partial rotary). */
    private Tensor partialRotate(Tensor x, Tensor cos, Tensor sin) {
        int r = config.rotaryDims(), d = config.headSize();
        if (r == 0 || cos == null) return x;
        if (r == d) return rotate(x, cos, sin);
        return Tensor.concat(List.of(rotate(x.slice(-1, 0, r), cos, sin), x.slice(-1, r, d)), -1);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Model
    // -------------------------------------------------------------------------------------------------------------

    private final Config config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Tensor words, finalNormW, finalNormB, invFreq;
    /** An untied LM head when loaded, else null. */
    private final Tensor head;
    private Lora lora = Lora.NONE;

    private GptNeoX(Config config, Map<String, StoredTensor> t, Weights weights, boolean lmHead) {
        this.config = config;
        float[] inv = inverseFrequencies(config.rotaryBase(), Math.max(config.rotaryDims(), 2));
        invFreq = weights.fp32(inv, inv.length);
        // Every tensor is kept as stored, under its canonical name, in the order of shapes().
        for (String name : config.shapes().keySet()) parameters.put(name, weights.copy(t.get(name)));
        words = parameters.get("embed_in.weight");
        finalNormW = parameters.get("final_layer_norm.weight");
        finalNormB = parameters.get("final_layer_norm.bias");
        String name = config.lmHeadName();
        if (lmHead && name != null) parameters.put(name, weights.copy(t.get(name)));
        head = parameters.get(name);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Tensor wordEmbeddings() {
        return words;
    }

    @Override
    public Tensor lmHead() {
        if (config.tiedLmHead()) return words;
        if (head == null) throw Backbone.headNotLoaded(config);
        return head;
    }

    /** Checkpoint names, in the order of {@link Config#shapes()}; an untied LM head last, if loaded. */
    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public int blockOf(String parameter) {
        if (parameter.startsWith("embed_in.")) return 0;
        if (parameter.startsWith("final_layer_norm.") || parameter.equals("embed_out.weight")) {
            return config.layers() + 1;
        }
        String rest = parameter.substring("layers.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private Tensor p(int layer, String name) {
        return parameters.get("layers." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block, e.g. "attention.query_key_value". */
    private Tensor linear(Tensor x, int layer, String module) {
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
                m.put("layers." + l + "." + module, new Lora.Site(weight, 0, parameters.get(weight).size(0)));
            }
        }
        return m;
    }

    @Override
    public void useAdapters(Lora adapters) {
        this.lora = java.util.Objects.requireNonNull(adapters);
    }

    private Tensor layerNorm(Tensor x, Tensor weight, Tensor bias) {
        return Nn.layerNorm(x, weight, bias, config.layerNormEps());
    }

    /** Causal attention with partial rotary; with a cache the past tokens' keys and values join the new ones'. */
    private Tensor attention(int l, Tensor h, Tensor[] cosSin, Tensor allowed, KvCache cache) {
        long size = h.size(0), length = h.size(1);
        int heads = config.heads(), d = config.headSize();
        // [B, T, heads, 3d] → [B, heads, T, 3d]; query, key and value are consecutive thirds of each head
        Tensor qkv = linear(h, l, "attention.query_key_value").reshape(size, length, heads, 3L * d).transpose(0, 2, 1, 3);
        Tensor cos = cosSin == null ? null : cosSin[0], sin = cosSin == null ? null : cosSin[1];
        Tensor q = partialRotate(qkv.slice(-1, 0, d), cos, sin);
        Tensor k = partialRotate(qkv.slice(-1, d, 2L * d), cos, sin);
        Tensor v = qkv.slice(-1, 2L * d, 3L * d);
        if (cache != null) {
            Tensor[] all = cache.append(l, k, v);
            k = all[0];
            v = all[1];
        }
        Tensor context = Nn.attention(q, k, v, allowed, true, 1 / Math.sqrt(d), false);
        return linear(context.transpose(0, 2, 1, 3).reshape(size, length, config.hidden()), l, "attention.dense");
    }

    private Tensor mlp(int l, Tensor h) {
        Tensor up = Nn.gelu(linear(h, l, "mlp.dense_h_to_4h"), false);
        return linear(up, l, "mlp.dense_4h_to_h");
    }

    /** x + attn(ln1(x)) + mlp(ln2(x)) with the parallel residual, else y = x + attn(ln1(x)); y + mlp(ln2(y)). */
    private Tensor block(int l, Tensor x, Tensor[] cosSin, Tensor allowed, KvCache cache) {
        Tensor attended = attention(l, layerNorm(x, p(l, "input_layernorm.weight"), p(l, "input_layernorm.bias")),
                cosSin, allowed, cache);
        if (config.parallelResidual()) {
            Tensor ff = mlp(l, layerNorm(x, p(l, "post_attention_layernorm.weight"),
                    p(l, "post_attention_layernorm.bias")));
            return ff.add(attended).add(x);
        }
        Tensor y = attended.add(x);
        return mlp(l, layerNorm(y, p(l, "post_attention_layernorm.weight"), p(l, "post_attention_layernorm.bias")))
                .add(y);
    }

    @Override
    public List<Tensor> forward(Tensor wordVectors, Batch batch, boolean allLayers) {
        Tensor[] cosSin = config.rotaryDims() < 2 ? null
                : cosSin(invFreq, Tensor.arange(batch.length(), invFreq), wordVectors);
        return blocks(wordVectors, cosSin, Masks.causal(batch), null, allLayers);
    }

    /** The new tokens follow the cache's: they are rotated by their positions within their rows. */
    @Override
    public Tensor forward(Tensor wordVectors, KvCache cache) {
        long length = wordVectors.size(1);
        Tensor[] cosSin = config.rotaryDims() < 2 ? null
                : cosSin(invFreq, cache.positions(length, invFreq).toFloat().unsqueeze(1), wordVectors);
        return blocks(wordVectors, cosSin, cache.allowed(length, wordVectors), cache, false).get(0);
    }

    /** The blocks and the final norm; with a cache, attention also reads (and extends) the past. */
    private List<Tensor> blocks(Tensor wordVectors, Tensor[] cosSin, Tensor allowed, KvCache cache,
                                boolean allLayers) {
        Tensor x = wordVectors;
        List<Tensor> states = new ArrayList<>();
        if (allLayers) states.add(x);
        for (int l = 0; l < config.layers(); l++) {
            int layer = l;
            Tensor in = x;
            x = Backbone.block(() -> block(layer, in, cosSin, allowed, cache), in, !allLayers && in != wordVectors);
            if (allLayers && l < config.layers() - 1) states.add(x);
        }
        x = layerNorm(x, finalNormW, finalNormB);
        if (allLayers) states.add(x);
        return allLayers ? states : List.of(x);
    }
}
