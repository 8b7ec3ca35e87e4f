package w2s.model.arch;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

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
     */
    public record Config(String modelType, int vocabSize, int hidden, int layers, int heads, int kvHeads, int headDim,
                         int intermediate, int maxPositions, double rmsNormEps, double ropeTheta,
                         Llama3Scaling ropeScaling, boolean qkvBias, boolean outputBias, int slidingWindow)
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
                    scaling, qkvBias, outputBias, window);
        }

        private static double number(JsonNode rope, String name, String field, String where) {
            if (!rope.path(name).isNumber()) {
                throw new IllegalArgumentException(where + ": " + field + " of type llama3 needs a number '"
                        + name + "'");
            }
            return rope.get(name).asDouble();
        }

        /**
         * Checkpoints of *ForCausalLM prefix the decoder with "model."; the LM head (tied or not), classification
         * heads and rotary buffers are not read.
         */
        @Override
        public String canonicalName(String stored) {
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
        public Backbone build(Map<String, Tensor> tensors, NDManager manager) {
            return new Llama(this, tensors, manager);
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

    /** cos and sin of position × inv_freq for positions 0 … T−1, [T, d] each (the frequencies repeated twice). */
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

    // -------------------------------------------------------------------------------------------------------------
    // Model
    // -------------------------------------------------------------------------------------------------------------

    private final Config config;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final NDArray words, finalNorm, invFreq;
    /** Torch-owned scalars (see {@link Torch#constant}). */
    private final NDArray attentionScale, rmsEps, blocked;
    private Lora lora = Lora.NONE;

    private Llama(Config config, Map<String, Tensor> t, NDManager manager) {
        this.config = config;
        attentionScale = Torch.constant(manager, (float) (1 / Math.sqrt(config.headDim())));
        rmsEps = Torch.constant(manager, (float) config.rmsNormEps());
        blocked = Torch.constant(manager, -1e9f);
        float[] inv = inverseFrequencies(config.ropeTheta(), config.headDim(), config.ropeScaling());
        invFreq = Torch.copy(manager, new Tensor(new long[] {inv.length}, inv));
        words = put(manager, "embed_tokens.weight", t.get("embed_tokens.weight"));
        for (int l = 0; l < config.layers(); l++) {
            String p = "layers." + l + ".";
            put(manager, p + "input_layernorm.weight", t.get(p + "input_layernorm.weight"));
            String a = p + "self_attn.";
            put(manager, a + "qkv_proj.weight", Tensor.concatRows(t.get(a + "q_proj.weight"),
                    t.get(a + "k_proj.weight"), t.get(a + "v_proj.weight")));
            if (config.qkvBias()) {
                put(manager, a + "qkv_proj.bias", Tensor.concatRows(t.get(a + "q_proj.bias"),
                        t.get(a + "k_proj.bias"), t.get(a + "v_proj.bias")));
            }
            put(manager, a + "o_proj.weight", t.get(a + "o_proj.weight"));
            if (config.outputBias()) put(manager, a + "o_proj.bias", t.get(a + "o_proj.bias"));
            put(manager, p + "post_attention_layernorm.weight", t.get(p + "post_attention_layernorm.weight"));
            put(manager, p + "mlp.gate_up_proj.weight",
                    Tensor.concatRows(t.get(p + "mlp.gate_proj.weight"), t.get(p + "mlp.up_proj.weight")));
            put(manager, p + "mlp.down_proj.weight", t.get(p + "mlp.down_proj.weight"));
        }
        finalNorm = put(manager, "norm.weight", t.get("norm.weight"));
    }

    private NDArray put(NDManager manager, String name, Tensor tensor) {
        NDArray a = Torch.copy(manager, tensor);
        parameters.put(name, a);
        return a;
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
        if (parameter.startsWith("embed_tokens.")) return 0;
        if (parameter.startsWith("norm.")) return config.layers() + 1;
        String rest = parameter.substring("layers.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private NDArray p(int layer, String name) {
        return parameters.get("layers." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block, e.g. the fused "self_attn.qkv_proj". */
    private NDArray linear(NDArray x, int layer, String module) {
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

    /** RMSNorm in fp32: w · x / √(mean(x²) + ε). */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray rms = x32.square().mean(new int[] {-1}, true).add(rmsEps).sqrt();
        return x32.div(rms).mul(weight);
    }

    @Override
    public NDList forward(NDArray wordVectors, Batch batch, boolean allLayers) {
        long size = batch.ids().getShape().get(0), length = batch.ids().getShape().get(1);
        if (config.slidingWindow() > 0 && length > config.slidingWindow()) {
            throw new IllegalArgumentException(length + " tokens exceed the sliding_window of " + config.slidingWindow()
                    + " (" + config.modelType() + "), which is not implemented here");
        }
        NDManager m = wordVectors.getManager();
        int heads = config.heads(), kv = config.kvHeads(), d = config.headDim(), groups = heads / kv;
        NDArray[] cs = cosSin(m, invFreq, length);
        NDArray cos = cs[0], sin = cs[1];

        // Causal attention under the key padding mask: a key is blocked if it is in the future or padding. Every
        // query sees position 0, a real token, so no row is blocked entirely. Shape [B, 1, 1, T, T], to broadcast
        // over the kv heads and the query heads of each group.
        NDArray positions = m.arange(0f, (float) length, 1f);
        NDArray future = positions.reshape(1, length).gt(positions.reshape(length, 1));
        NDArray padding = batch.mask().lt(0.5f).reshape(size, 1, length);
        NDArray maskBias = future.reshape(1, length, length).logicalOr(padding).toType(DataType.FLOAT32, false)
                .mul(blocked).reshape(size, 1, 1, length, length);

        NDArray x = wordVectors;
        NDList states = new NDList();
        if (allLayers) states.add(x);
        for (int l = 0; l < config.layers(); l++) {
            // attention
            NDArray h = rmsNorm(x, p(l, "input_layernorm.weight"));
            NDArray qkv = linear(h, l, "self_attn.qkv_proj");
            long qEnd = (long) heads * d, kEnd = qEnd + (long) kv * d;
            NDArray q = qkv.get(new NDIndex("..., :{}", qEnd)).reshape(size, length, heads, d).transpose(0, 2, 1, 3);
            NDArray k = qkv.get(new NDIndex("..., {}:{}", qEnd, kEnd)).reshape(size, length, kv, d)
                    .transpose(0, 2, 1, 3);
            NDArray v = qkv.get(new NDIndex("..., {}:", kEnd)).reshape(size, length, kv, d).transpose(0, 2, 1, 3);
            q = rotate(q, cos, sin);
            k = rotate(k, cos, sin);
            // Grouped-query attention (repeat_kv): query head g·groups + r reads kv head g. Queries are grouped as
            // [B, KV, groups, T, d] and keys/values broadcast over the group axis rather than being copied.
            q = q.reshape(size, kv, groups, length, d);
            k = k.reshape(size, kv, 1, length, d);
            v = v.reshape(size, kv, 1, length, d);
            NDArray scores = q.matMul(k.transpose(0, 1, 2, 4, 3)).mul(attentionScale).add(maskBias);
            NDArray context = scores.softmax(-1).matMul(v).reshape(size, heads, length, d).transpose(0, 2, 1, 3)
                    .reshape(size, length, (long) heads * d);
            x = x.add(linear(context, l, "self_attn.o_proj"));

            // SwiGLU feed-forward
            h = rmsNorm(x, p(l, "post_attention_layernorm.weight"));
            NDArray gateUp = linear(h, l, "mlp.gate_up_proj");
            long i = config.intermediate();
            NDArray gate = gateUp.get(new NDIndex("..., :{}", i)), up = gateUp.get(new NDIndex("..., {}:", i));
            NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up); // silu(gate) · up
            x = x.add(linear(act, l, "mlp.down_proj"));

            if (allLayers && l < config.layers() - 1) states.add(x);
        }
        x = rmsNorm(x, finalNorm);
        if (allLayers) states.add(x);
        return allLayers ? states : new NDList(x);
    }
}
