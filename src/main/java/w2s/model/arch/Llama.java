package w2s.model.arch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.torch.Dtype;
import w2s.torch.Nn;
import w2s.torch.Tensor;

/**
 * Llama, and the decoders that share its shape (Mistral, Qwen2), as Hugging Face's {@code modeling_llama.py},
 * {@code modeling_mistral.py} and {@code modeling_qwen2.py} compute them: token embeddings, then pre-norm blocks of
 * RMSNorm, grouped-query causal attention with rotary position embeddings ("rotate half"), RMSNorm and a SwiGLU
 * feed-forward {@code down(silu(gate(x)) · up(x))}; a final RMSNorm. There are no position embeddings to add: the
 * rotary embedding turns queries and keys by their position (0 … T−1, as inputs are padded on the right).
 *
 * <p>The query, key and value projections of a layer are kept as one [(H + 2·KV)·d, hidden] matrix, and gate and up
 * as one [2·I, hidden] matrix, so each runs as one matrix product; Adam is element-wise, so training the fused
 * matrices is training the parts.
 *
 * <p>For generation the same blocks run on new tokens only ({@link #forward(Tensor, KvCache)}): they are rotated
 * by their absolute positions, after the cache's, and attention reads the cached keys and values of the past (the
 * cache holds the KV heads only, as grouped-query attention computes them).
 *
 * <p>Everything runs in fp32 (RMSNorm included, as Hugging Face computes it in fp32 whatever the model's dtype).
 */
public final class Llama implements Backbone {

    // -------------------------------------------------------------------------------------------------------------
    // Configuration
    // -------------------------------------------------------------------------------------------------------------

    /**
     * The llama3 {@code rope_scaling} rule (modeling_rope_utils {@code _compute_llama3_parameters}): wavelengths
     * longer than {@code originalMaxPositions / lowFreqFactor} are stretched by {@code factor}, those shorter than
     * {@code originalMaxPositions / highFreqFactor} are kept, and those between interpolate smoothly.
     */
    public record Llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor,
                                double originalMaxPositions) {}

    /**
     * The shape of a Llama-family decoder. Only what is implemented here is accepted.
     *
     * @param modelType     llama, mistral or qwen2
     * @param headDim       per-head size, config.json's {@code head_dim} or hidden / heads
     * @param ropeScaling   null, or the llama3 rule
     * @param qkvBias       biases on the query, key and value projections (Qwen2; Llama's {@code attention_bias})
     * @param outputBias    a bias on the output projection (Llama's {@code attention_bias}; never Qwen2)
     * @param slidingWindow Mistral's (or Qwen2's, when used) attention window, 0 for none: not implemented, so
     *                      longer inputs are refused
     * @param tiedLmHead    the LM head is {@code embed_tokens} (config.json's {@code tie_word_embeddings}, false by
     *                      default as in LlamaConfig, MistralConfig and Qwen2Config; Qwen2.5-0.5B sets it), else the
     *                      checkpoint's {@code lm_head.weight}
     */
    public record Config(String modelType, int vocabSize, int hidden, int layers, int heads, int kvHeads, int headDim,
                         int intermediate, int maxPositions, double rmsNormEps, double ropeTheta,
                         Llama3Scaling ropeScaling, boolean qkvBias, boolean outputBias, int slidingWindow,
                         boolean tiedLmHead)
            implements ArchConfig {

        public Config {
            if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
                throw new IllegalArgumentException(modelType + ": num_attention_heads " + heads
                        + " is not a multiple of num_key_value_heads " + kvHeads);
            }
            if (headDim < 2 || headDim % 2 != 0) {
                throw new IllegalArgumentException(modelType + ": head_dim " + headDim + " must be even for rotary"
                        + " embeddings");
            }
        }

        @Override
        public boolean causal() {
            return true;
        }

        static Config read(JsonNode c, String where) {
            String type = c.path("model_type").asText();
            String act = c.path("hidden_act").asText("silu");
            if (!act.equals("silu")) {
                throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported (only silu)");
            }
            if (c.path("mlp_bias").asBoolean(false)) {
                throw new IllegalArgumentException(where + ": mlp_bias true is not supported");
            }
            int hidden = Architectures.integer(c, "hidden_size", where);
            int heads = Architectures.integer(c, "num_attention_heads", where);
            int kvHeads = c.path("num_key_value_heads").canConvertToInt() ? c.get("num_key_value_heads").asInt() : heads;
            if (kvHeads < 1 || heads % kvHeads != 0) {
                throw new IllegalArgumentException(where + ": num_attention_heads " + heads
                        + " is not a multiple of num_key_value_heads " + kvHeads);
            }
            int headDim = c.path("head_dim").canConvertToInt() && c.get("head_dim").asInt() > 0
                    ? c.get("head_dim").asInt() : hidden / heads;
            if (!c.path("head_dim").canConvertToInt() && hidden % heads != 0) {
                throw new IllegalArgumentException(where + ": hidden_size " + hidden + " is not a multiple of "
                        + heads + " heads and no head_dim is given");
            }
            // Rotary settings: config.json's rope_theta and rope_scaling, or (newer transformers) rope_parameters.
            JsonNode rope = c.path("rope_parameters").isObject() ? c.get("rope_parameters") : c.path("rope_scaling");
            double theta = rope.path("rope_theta").isNumber() ? rope.get("rope_theta").asDouble()
                    : c.path("rope_theta").asDouble(10000.0);
            String field = c.path("rope_parameters").isObject() ? "rope_parameters" : "rope_scaling";
            double partial = rope.path("partial_rotary_factor").isNumber() ? rope.get("partial_rotary_factor").asDouble()
                    : c.path("partial_rotary_factor").asDouble(1.0);
            if (partial != 1.0) {
                throw new IllegalArgumentException(where + ": partial_rotary_factor " + partial
                        + " is not supported (only 1.0)");
            }
            Llama3Scaling scaling = null;
            if (rope.isObject()) {
                String ropeType = rope.path("rope_type").asText(rope.path("type").asText("default"));
                switch (ropeType) {
                    case "default" -> { }
                    case "llama3" -> scaling = new Llama3Scaling(number(rope, "factor", field, where),
                            number(rope, "low_freq_factor", field, where),
                            number(rope, "high_freq_factor", field, where),
                            number(rope, "original_max_position_embeddings", field, where));
                    default -> throw new IllegalArgumentException(where + ": " + field + ".rope_type '" + ropeType
                            + "' is not supported (only default and llama3)");
                }
            } else if (!rope.isMissingNode() && !rope.isNull()) {
                throw new IllegalArgumentException(where + ": " + field + " must be an object or null");
            }
            boolean qkvBias, outputBias;
            int window = 0;
            switch (type) {
                case "llama" -> qkvBias = outputBias = c.path("attention_bias").asBoolean(false);
                case "mistral" -> {
                    qkvBias = outputBias = false; // modeling_mistral.py: no biases, whatever attention_bias says
                    window = c.path("sliding_window").asInt(0);
                }
                case "qwen2" -> {
                    qkvBias = true; // modeling_qwen2.py: biases on q, k and v; none on o
                    outputBias = false;
                    if (c.path("use_sliding_window").asBoolean(false)) window = c.path("sliding_window").asInt(0);
                }
                default -> throw new IllegalArgumentException(where + ": model_type '" + type + "' is not a Llama");
            }
            return new Config(type, Architectures.integer(c, "vocab_size", where), hidden,
                    Architectures.integer(c, "num_hidden_layers", where), heads, kvHeads, headDim,
                    Architectures.integer(c, "intermediate_size", where),
                    c.path("max_position_embeddings").asInt(2048), c.path("rms_norm_eps").asDouble(1e-6), theta,
                    scaling, qkvBias, outputBias, window, c.path("tie_word_embeddings").asBoolean(false));
        }

        private static double number(JsonNode rope, String name, String field, String where) {
            if (!rope.path(name).isNumber()) {
                throw new IllegalArgumentException(where + ": " + field + " of type llama3 needs a number '"
                        + name + "'");
            }
            return rope.get(name).asDouble();
        }

        @Override
        public String lmHeadName() {
            return tiedLmHead ? null : "lm_head.weight";
        }

        /**
         * Checkpoints of *ForCausalLM prefix the decoder with "model."; classification heads, rotary buffers and an
         * {@code lm_head} the config ties to the embeddings are not read.
         */
        @Override
        public String canonicalName(String stored) {
            if (stored.equals("lm_head.weight")) return lmHeadName();
            String name = stored.startsWith("model.") ? stored.substring(6) : stored;
            if (name.contains(".rotary_emb.")) return null;
            return name.startsWith("embed_tokens.") || name.startsWith("layers.") || name.startsWith("norm.")
                    ? name : null;
        }

        /** The tensors of a Hugging Face LlamaModel / MistralModel / Qwen2Model, in order. */
        @Override
        public Map<String, long[]> shapes() {
            int h = hidden, d = headDim;
            Map<String, long[]> s = new LinkedHashMap<>();
            s.put("embed_tokens.weight", new long[] {vocabSize, h});
            for (int l = 0; l < layers; l++) {
                String p = "layers." + l + ".";
                s.put(p + "input_layernorm.weight", new long[] {h});
                s.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * d, h});
                s.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * d, h});
                s.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * d, h});
                if (qkvBias) {
                    s.put(p + "self_attn.q_proj.bias", new long[] {(long) heads * d});
                    s.put(p + "self_attn.k_proj.bias", new long[] {(long) kvHeads * d});
                    s.put(p + "self_attn.v_proj.bias", new long[] {(long) kvHeads * d});
                }
                s.put(p + "self_attn.o_proj.weight", new long[] {h, (long) heads * d});
                if (outputBias) s.put(p + "self_attn.o_proj.bias", new long[] {h});
                s.put(p + "post_attention_layernorm.weight", new long[] {h});
                s.put(p + "mlp.gate_proj.weight", new long[] {intermediate, h});
                s.put(p + "mlp.up_proj.weight", new long[] {intermediate, h});
                s.put(p + "mlp.down_proj.weight", new long[] {h, intermediate});
            }
            s.put("norm.weight", new long[] {h});
            return s;
        }

        @Override
        public Backbone build(Map<String, StoredTensor> tensors, Weights weights, boolean lmHead) {
            return new Llama(this, tensors, weights, lmHead);
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Rotary embedding
    // -------------------------------------------------------------------------------------------------------------

    /** inv_freq = θ^(−2i/d), i = 0 … d/2 − 1, with the llama3 rule applied when configured. */
    static float[] inverseFrequencies(double theta, int dim, Llama3Scaling scaling) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            double f = 1.0 / Math.pow(theta, 2.0 * i / dim);
            if (scaling != null) {
                double lowFreqWavelen = scaling.originalMaxPositions() / scaling.lowFreqFactor();
                double highFreqWavelen = scaling.originalMaxPositions() / scaling.highFreqFactor();
                double wavelen = 2 * Math.PI / f;
                if (wavelen > lowFreqWavelen) {
                    f = f / scaling.factor();
                } else if (wavelen >= highFreqWavelen) {
                    double smooth = (scaling.originalMaxPositions() / wavelen - scaling.lowFreqFactor())
                            / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                    f = (1 - smooth) * f / scaling.factor() + smooth * f;
                }
            }
            inv[i] = (float) f;
        }
        return inv;
    }

    /**
     * cos and sin of position × inv_freq for fp32 positions [T] (or [B, 1, T], each row its own), [..., T, d] each
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

    // -------------------------------------------------------------------------------------------------------------
    // Model
    // -------------------------------------------------------------------------------------------------------------

    private final Config config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Tensor words, finalNorm, invFreq;
    /** An untied LM head when loaded, else null. */
    private final Tensor head;
    private Lora lora = Lora.NONE;

    private Llama(Config config, Map<String, StoredTensor> t, Weights weights, boolean lmHead) {
        this.config = config;
        float[] inv = inverseFrequencies(config.ropeTheta(), config.headDim(), config.ropeScaling());
        invFreq = weights.fp32(inv, inv.length);
        words = put(weights, "embed_tokens.weight", t.get("embed_tokens.weight"));
        for (int l = 0; l < config.layers(); l++) {
            String p = "layers." + l + ".";
            put(weights, p + "input_layernorm.weight", t.get(p + "input_layernorm.weight"));
            String a = p + "self_attn.";
            put(weights, a + "qkv_proj.weight", StoredTensor.concatRows(t.get(a + "q_proj.weight"),
                    t.get(a + "k_proj.weight"), t.get(a + "v_proj.weight")));
            if (config.qkvBias()) {
                put(weights, a + "qkv_proj.bias", StoredTensor.concatRows(t.get(a + "q_proj.bias"),
                        t.get(a + "k_proj.bias"), t.get(a + "v_proj.bias")));
            }
            put(weights, a + "o_proj.weight", t.get(a + "o_proj.weight"));
            if (config.outputBias()) put(weights, a + "o_proj.bias", t.get(a + "o_proj.bias"));
            put(weights, p + "post_attention_layernorm.weight", t.get(p + "post_attention_layernorm.weight"));
            put(weights, p + "mlp.gate_up_proj.weight",
                    StoredTensor.concatRows(t.get(p + "mlp.gate_proj.weight"), t.get(p + "mlp.up_proj.weight")));
            put(weights, p + "mlp.down_proj.weight", t.get(p + "mlp.down_proj.weight"));
        }
        finalNorm = put(weights, "norm.weight", t.get("norm.weight"));
        String name = config.lmHeadName();
        head = lmHead && name != null ? put(weights, name, t.get(name)) : null;
    }

    private Tensor put(Weights weights, String name, StoredTensor tensor) {
        Tensor a = weights.copy(tensor);
        parameters.put(name, a);
        return a;
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

    /** Checkpoint names (q, k and v, and gate and up, fused); an untied LM head last, if loaded. */
    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public int blockOf(String parameter) {
        if (parameter.startsWith("embed_tokens.")) return 0;
        if (parameter.startsWith("norm.") || parameter.equals("lm_head.weight")) return config.layers() + 1;
        String rest = parameter.substring("layers.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private Tensor p(int layer, String name) {
        return parameters.get("layers." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block, e.g. the fused "self_attn.qkv_proj". */
    private Tensor linear(Tensor x, int layer, String module) {
        String weight = "layers." + layer + "." + module + ".weight";
        return lora.linear(weight, x, parameters.get(weight), p(layer, module + ".bias"));
    }

    /** Hugging Face's modules; q, k and v, and gate and up, are row slices of the fused matrices. */
    @Override
    public Map<String, Lora.Site> linearModules() {
        Map<String, Lora.Site> m = new LinkedHashMap<>();
        long h = config.hidden(), q = (long) config.heads() * config.headDim(), kv = (long) config.kvHeads() * config.headDim();
        long i = config.intermediate();
        for (int l = 0; l < config.layers(); l++) {
            String p = "layers." + l + ".";
            String qkv = p + "self_attn.qkv_proj.weight", gateUp = p + "mlp.gate_up_proj.weight";
            m.put(p + "self_attn.q_proj", new Lora.Site(qkv, 0, q));
            m.put(p + "self_attn.k_proj", new Lora.Site(qkv, q, kv));
            m.put(p + "self_attn.v_proj", new Lora.Site(qkv, q + kv, kv));
            m.put(p + "self_attn.o_proj", new Lora.Site(p + "self_attn.o_proj.weight", 0, h));
            m.put(p + "mlp.gate_proj", new Lora.Site(gateUp, 0, i));
            m.put(p + "mlp.up_proj", new Lora.Site(gateUp, i, i));
            m.put(p + "mlp.down_proj", new Lora.Site(p + "mlp.down_proj.weight", 0, h));
        }
        return m;
    }

    @Override
    public void useAdapters(Lora adapters) {
        this.lora = java.util.Objects.requireNonNull(adapters);
    }

    /** RMSNorm in fp32, as Hugging Face's LlamaRMSNorm: w · (x / √(mean(x²) + ε)) in the input's dtype. */
    private Tensor rmsNorm(Tensor x, Tensor weight) {
        Tensor x32 = x.to(Dtype.FP32);
        Tensor normed = x32.mul(x32.square().meanLast().add(config.rmsNormEps()).rsqrt());
        return weight.mul(normed.to(x.dtype()));
    }

    @Override
    public List<Tensor> forward(Tensor wordVectors, Batch batch, boolean allLayers) {
        long length = batch.length();
        checkWindow(length);
        // Causal attention under the key padding mask. Every query sees position 0, a real token, so no row is
        // blocked entirely.
        return blocks(wordVectors, cosSin(invFreq, Tensor.arange(length, invFreq), wordVectors), Masks.causal(batch),
                null, allLayers);
    }

    /** The new tokens follow the cache's: they are rotated by their positions within their rows. */
    @Override
    public Tensor forward(Tensor wordVectors, KvCache cache) {
        long length = wordVectors.size(1);
        checkWindow(cache.length() + length);
        Tensor[] cosSin = cosSin(invFreq, cache.positions(length, invFreq).toFloat().unsqueeze(1), wordVectors);
        return blocks(wordVectors, cosSin, cache.allowed(length, wordVectors), cache, false).get(0);
    }

    private void checkWindow(long length) {
        if (config.slidingWindow() > 0 && length > config.slidingWindow()) {
            throw new IllegalArgumentException(length + " tokens exceed the sliding_window of " + config.slidingWindow()
                    + " (" + config.modelType() + "), which is not implemented here");
        }
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
        x = rmsNorm(x, finalNorm);
        if (allLayers) states.add(x);
        return allLayers ? states : List.of(x);
    }

    /** x + attn(rms(x)), then x + mlp(rms(x)); with a cache the past tokens' keys and values join the new ones'. */
    private Tensor block(int l, Tensor x, Tensor[] cosSin, Tensor allowed, KvCache cache) {
        long size = x.size(0), length = x.size(1);
        int heads = config.heads(), kv = config.kvHeads(), d = config.headDim();
        Tensor h = rmsNorm(x, p(l, "input_layernorm.weight"));
        Tensor qkv = linear(h, l, "self_attn.qkv_proj");
        long qEnd = (long) heads * d, kEnd = qEnd + (long) kv * d;
        Tensor q = qkv.slice(-1, 0, qEnd).reshape(size, length, heads, d).transpose(0, 2, 1, 3);
        Tensor k = qkv.slice(-1, qEnd, kEnd).reshape(size, length, kv, d).transpose(0, 2, 1, 3);
        Tensor v = qkv.slice(-1, kEnd, qkv.size(-1)).reshape(size, length, kv, d).transpose(0, 2, 1, 3);
        q = rotate(q, cosSin[0], cosSin[1]);
        k = rotate(k, cosSin[0], cosSin[1]);
        if (cache != null) {
            Tensor[] all = cache.append(l, k, v);
            k = all[0];
            v = all[1];
        }
        // Grouped-query attention (repeat_kv): query head g·groups + r reads kv head g, which the fused kernel
        // does without copying the keys and values.
        Tensor context = Nn.attention(q, k, v, allowed, true, 1 / Math.sqrt(d), kv != heads)
                .transpose(0, 2, 1, 3).reshape(size, length, (long) heads * d);
        x = x.add(linear(context, l, "self_attn.o_proj"));

        // SwiGLU feed-forward
        h = rmsNorm(x, p(l, "post_attention_layernorm.weight"));
        Tensor gateUp = linear(h, l, "mlp.gate_up_proj");
        long i = config.intermediate();
        Tensor act = Nn.silu(gateUp.slice(-1, 0, i)).mul(gateUp.slice(-1, i, 2 * i));
        return x.add(linear(act, l, "mlp.down_proj"));
    }
}
