package w2s.model.arch;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import w2s.torch.Nn;
import w2s.torch.Tensor;

/**
 * GPT-2, as Hugging Face's {@code modeling_gpt2.py} computes it: token + learned position embeddings, then
 * pre-LayerNorm blocks {@code x + attn(ln_1(x))}, {@code x + mlp(ln_2(x))} of causal attention and a GELU
 * feed-forward, and a final {@code ln_f}. Layer L is {@code ln_f} of the last block's output.
 *
 * <p>Checkpoints store the projections as Conv1D weights, [in, out]; they are transposed to the [out, in] layout of
 * a Linear when the model is built and keep their checkpoint names. {@code c_attn} already holds query, key and value
 * in one matrix. Inputs are padded on the right, so every real token sits at its own position 0 … T−1.
 *
 * <p>For generation the same blocks run on new tokens only ({@link #forward(Tensor, KvCache)}): their positions
 * continue from the cache's length, and attention reads the cached keys and values of the past.
 */
public final class Gpt2 implements Backbone {

    /**
     * The shape of a GPT-2 decoder. Only what is implemented here is accepted: the GELU activations, attention
     * scaled by 1/√head_dim (or unscaled, {@code scale_attn_weights: false}), no per-layer scaling, no cross-attention.
     *
     * @param tiedLmHead the LM head is {@code wte} (config.json's {@code tie_word_embeddings}, true by default as in
     *                   GPT2Config), else the checkpoint's {@code lm_head.weight}
     */
    public record Config(int vocabSize, int hidden, int layers, int heads, int inner, int maxPositions,
                         double layerNormEps, Gelu gelu, boolean scaleAttention, boolean tiedLmHead)
            implements ArchConfig {
        /** config.json's activation_function: "gelu" (erf), or "gelu_new" / "gelu_pytorch_tanh" (tanh). */
        public enum Gelu { EXACT, TANH }

        public Config {
            if (heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException("n_embd " + hidden + " is not a multiple of " + heads + " heads");
            }
        }

        public int headSize() {
            return hidden / heads;
        }

        @Override
        public String modelType() {
            return "gpt2";
        }

        @Override
        public boolean causal() {
            return true;
        }

        /** Reads a Hugging Face config.json, refusing configurations this decoder would silently get wrong. */
        static Config read(JsonNode c, String where) {
            String act = c.path("activation_function").asText("gelu_new");
            Gelu gelu = switch (act) {
                case "gelu" -> Gelu.EXACT;
                case "gelu_new", "gelu_pytorch_tanh" -> Gelu.TANH;
                default -> throw new IllegalArgumentException(where + ": activation_function '" + act
                        + "' is not supported (only gelu_new, gelu_pytorch_tanh, gelu)");
            };
            for (String flag : new String[] {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn",
                    "add_cross_attention"}) {
                if (c.path(flag).asBoolean(false)) {
                    throw new IllegalArgumentException(where + ": " + flag + " = true is not supported");
                }
            }
            int hidden = Architectures.integer(c, "n_embd", where);
            JsonNode inner = c.path("n_inner");
            return new Config(Architectures.integer(c, "vocab_size", where), hidden,
                    Architectures.integer(c, "n_layer", where), Architectures.integer(c, "n_head", where),
                    inner.isNull() || inner.isMissingNode() ? 4 * hidden : Architectures.integer(c, "n_inner", where),
                    Architectures.integer(c, "n_positions", where), c.path("layer_norm_epsilon").asDouble(1e-5),
                    gelu, c.path("scale_attn_weights").asBoolean(true),
                    c.path("tie_word_embeddings").asBoolean(true));
        }

        @Override
        public String lmHeadName() {
            return tiedLmHead ? null : "lm_head.weight";
        }

        /**
         * GPT2Model and GPT2LMHeadModel checkpoints differ by the "transformer." prefix. The attention-mask buffers
         * ({@code h.N.attn.bias}, {@code h.N.attn.masked_bias}) are not read, nor is a stored LM head tied to wte.
         */
        @Override
        public String canonicalName(String stored) {
            if (stored.equals("lm_head.weight")) return lmHeadName();
            String name = stored.startsWith("transformer.") ? stored.substring("transformer.".length()) : stored;
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) return null;
            return name.startsWith("wte.") || name.startsWith("wpe.") || name.startsWith("h.")
                    || name.startsWith("ln_f.") ? name : null;
        }

        /** The tensors of a Hugging Face GPT2Model, in order, in the checkpoint's (Conv1D, [in, out]) layout. */
        @Override
        public Map<String, long[]> shapes() {
            int h = hidden, i = inner;
            Map<String, long[]> s = new LinkedHashMap<>();
            s.put("wte.weight", new long[] {vocabSize, h});
            s.put("wpe.weight", new long[] {maxPositions, h});
            for (int l = 0; l < layers; l++) {
                String p = "h." + l + ".";
                s.put(p + "ln_1.weight", new long[] {h});
                s.put(p + "ln_1.bias", new long[] {h});
                s.put(p + "attn.c_attn.weight", new long[] {h, 3L * h});
                s.put(p + "attn.c_attn.bias", new long[] {3L * h});
                s.put(p + "attn.c_proj.weight", new long[] {h, h});
                s.put(p + "attn.c_proj.bias", new long[] {h});
                s.put(p + "ln_2.weight", new long[] {h});
                s.put(p + "ln_2.bias", new long[] {h});
                s.put(p + "mlp.c_fc.weight", new long[] {h, i});
                s.put(p + "mlp.c_fc.bias", new long[] {i});
                s.put(p + "mlp.c_proj.weight", new long[] {i, h});
                s.put(p + "mlp.c_proj.bias", new long[] {h});
            }
            s.put("ln_f.weight", new long[] {h});
            s.put("ln_f.bias", new long[] {h});
            return s;
        }

        @Override
        public Backbone build(Map<String, StoredTensor> tensors, Weights weights, boolean lmHead) {
            return new Gpt2(this, tensors, weights, lmHead);
        }
    }

    private static final String[] CONV1D = {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight",
            "mlp.c_proj.weight"};
    private static final String[] AS_STORED = {"ln_1.weight", "ln_1.bias", "attn.c_attn.bias", "attn.c_proj.bias",
            "ln_2.weight", "ln_2.bias", "mlp.c_fc.bias", "mlp.c_proj.bias"};

    private final Config config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Tensor words, positions, finalNormW, finalNormB;
    /** An untied LM head when loaded, else null. */
    private final Tensor head;
    private Lora lora = Lora.NONE;

    private Gpt2(Config config, Map<String, StoredTensor> t, Weights weights, boolean lmHead) {
        this.config = config;
        words = put(weights, "wte.weight", t.get("wte.weight"));
        positions = put(weights, "wpe.weight", t.get("wpe.weight"));
        for (int l = 0; l < config.layers(); l++) {
            String prefix = "h." + l + ".";
            for (String name : CONV1D) put(weights, prefix + name, t.get(prefix + name).transposed());
            for (String name : AS_STORED) put(weights, prefix + name, t.get(prefix + name));
        }
        finalNormW = put(weights, "ln_f.weight", t.get("ln_f.weight"));
        finalNormB = put(weights, "ln_f.bias", t.get("ln_f.bias"));
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

    /** Checkpoint names; the Conv1D weights in the Linear layout [out, in]; an untied LM head last, if loaded. */
    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public int blockOf(String parameter) {
        if (parameter.startsWith("wte.") || parameter.startsWith("wpe.")) return 0;
        if (parameter.startsWith("ln_f.") || parameter.equals("lm_head.weight")) return config.layers() + 1;
        String rest = parameter.substring("h.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private Tensor p(int layer, String name) {
        return parameters.get("h." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block, e.g. "attn.c_attn". */
    private Tensor linear(Tensor x, int layer, String module) {
        String weight = "h." + layer + "." + module + ".weight";
        return lora.linear(weight, x, parameters.get(weight), p(layer, module + ".bias"));
    }

    /** Hugging Face's Conv1D modules; c_attn (query, key and value together) is one module there too. */
    @Override
    public Map<String, Lora.Site> linearModules() {
        Map<String, Lora.Site> m = new LinkedHashMap<>();
        for (int l = 0; l < config.layers(); l++) {
            for (String module : new String[] {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"}) {
                String weight = "h." + l + "." + module + ".weight";
                m.put("h." + l + "." + module, new Lora.Site(weight, 0, parameters.get(weight).size(0)));
            }
        }
        return m;
    }

    @Override
    public void useAdapters(Lora adapters) {
        this.lora = java.util.Objects.requireNonNull(adapters);
    }

    @Override
    public List<Tensor> forward(Tensor wordVectors, Batch batch, boolean allLayers) {
        long length = batch.length();
        if (length > config.maxPositions()) {
            throw new IllegalArgumentException(length + " tokens exceed GPT-2's " + config.maxPositions()
                    + " positions (n_positions); truncate the inputs");
        }
        // The batch's token types are not read: Hugging Face's GPT2Model adds wte(token_type_ids) only when the
        // caller passes them, and GPT-2's tokenizer does not.
        return blocks(wordVectors.add(positions.slice(0, 0, length)), Masks.causal(batch), null, allLayers);
    }

    /** The new tokens follow the cache's: their learned positions continue each row's. */
    @Override
    public Tensor forward(Tensor wordVectors, KvCache cache) {
        long past = cache.length(), length = wordVectors.size(1);
        if (past + length > config.maxPositions()) {
            throw new IllegalArgumentException(past + " + " + length + " tokens exceed GPT-2's " + config.maxPositions()
                    + " positions (n_positions)");
        }
        Tensor x = wordVectors.add(Nn.embedding(positions, cache.positions(length, wordVectors)));
        return blocks(x, cache.allowed(length, wordVectors), cache, false).get(0);
    }

    /** The blocks and ln_f over embedded tokens; with a cache, attention also reads (and extends) the past. */
    private List<Tensor> blocks(Tensor x, Tensor allowed, KvCache cache, boolean allLayers) {
        List<Tensor> states = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            if (allLayers) states.add(x);
            int layer = l;
            Tensor in = x;
            x = Backbone.block(() -> block(layer, in, allowed, cache), in, !allLayers);
        }
        states.add(Nn.layerNorm(x, finalNormW, finalNormB, config.layerNormEps()));
        return states;
    }

    /** One pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
    private Tensor block(int l, Tensor x, Tensor allowed, KvCache cache) {
        x = x.add(attention(l, Nn.layerNorm(x, p(l, "ln_1.weight"), p(l, "ln_1.bias"), config.layerNormEps()),
                allowed, cache));
        return x.add(mlp(l, Nn.layerNorm(x, p(l, "ln_2.weight"), p(l, "ln_2.bias"), config.layerNormEps())));
    }

    /**
     * Causal multi-head self-attention: c_attn gives q, k, v; softmax(q·kᵀ/√d + mask)·v; c_proj. With a cache the
     * keys and values of the past tokens join the new ones'.
     */
    private Tensor attention(int l, Tensor x, Tensor allowed, KvCache cache) {
        long size = x.size(0), length = x.size(1);
        int heads = config.heads(), d = config.headSize();
        Tensor qkv = linear(x, l, "attn.c_attn").reshape(size, length, 3, heads, d).transpose(2, 0, 3, 1, 4);
        Tensor k = qkv.select(0, 1), v = qkv.select(0, 2);
        if (cache != null) {
            Tensor[] all = cache.append(l, k, v);
            k = all[0];
            v = all[1];
        }
        Tensor context = Nn.attention(qkv.select(0, 0), k, v, allowed, true,
                config.scaleAttention() ? 1 / Math.sqrt(d) : 1, false);
        return linear(context.transpose(0, 2, 1, 3).reshape(size, length, config.hidden()), l, "attn.c_proj");
    }

    /** c_proj(gelu(c_fc(x))). */
    private Tensor mlp(int l, Tensor x) {
        Tensor up = Nn.gelu(linear(x, l, "mlp.c_fc"), config.gelu() == Config.Gelu.TANH);
        return linear(up, l, "mlp.c_proj");
    }
}
