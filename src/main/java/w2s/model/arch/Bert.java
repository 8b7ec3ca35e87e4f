package w2s.model.arch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import w2s.torch.Nn;
import w2s.torch.Tensor;

/**
 * BERT (and the encoders built on it: MiniLM, BGE, E5), as Hugging Face's {@code modeling_bert.py} computes it:
 * word + position + token-type embeddings and a LayerNorm, then post-LayerNorm blocks of bidirectional attention and
 * a GELU feed-forward. There is no final norm: layer L is the last block's output.
 *
 * <p>The query, key and value projections of a layer are stored as one [3H, H] matrix so each layer runs one large
 * matrix product instead of three; Adam is element-wise, so training the fused matrix is the same as training the
 * three.
 */
public final class Bert implements Backbone {

    /**
     * The shape of a BERT encoder. Only what is implemented here is accepted: absolute position embeddings and
     * GELU, exact (erf, as in MiniLM, BGE, E5 and Hugging Face's BERT) or its tanh approximation (as in the
     * TensorFlow graph of Google's BERT that BERT-base is installed from).
     */
    public record Config(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int typeVocabSize, double layerNormEps, Gelu gelu) implements ArchConfig {
        /** The feed-forward activation: config.json's hidden_act "gelu", or "gelu_new" / "gelu_pytorch_tanh". */
        public enum Gelu { EXACT, TANH }

        public Config {
            if (heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of " + heads + " heads");
            }
        }

        public int headSize() {
            return hidden / heads;
        }

        @Override
        public String modelType() {
            return "bert";
        }

        @Override
        public boolean causal() {
            return false;
        }

        /** Reads a Hugging Face config.json, refusing configurations this encoder would silently get wrong. */
        public static Config read(Path configJson) throws IOException {
            return read(new ObjectMapper().readTree(Files.readString(configJson)), configJson.toString());
        }

        static Config read(JsonNode c, String where) {
            String act = c.path("hidden_act").asText("gelu");
            Gelu gelu = switch (act) {
                case "gelu" -> Gelu.EXACT;
                case "gelu_new", "gelu_pytorch_tanh" -> Gelu.TANH;
                default -> throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported"
                        + " (only gelu, gelu_new, gelu_pytorch_tanh)");
            };
            String positions = c.path("position_embedding_type").asText("absolute");
            if (!positions.equals("absolute")) {
                throw new IllegalArgumentException(where + ": position_embedding_type '" + positions
                        + "' is not supported (only 'absolute')");
            }
            return new Config(Architectures.integer(c, "vocab_size", where),
                    Architectures.integer(c, "hidden_size", where),
                    Architectures.integer(c, "num_hidden_layers", where),
                    Architectures.integer(c, "num_attention_heads", where),
                    Architectures.integer(c, "intermediate_size", where),
                    Architectures.integer(c, "max_position_embeddings", where),
                    c.path("type_vocab_size").asInt(2), c.path("layer_norm_eps").asDouble(1e-12), gelu);
        }

        /** The config.json that {@link #read} accepts. */
        public String toJson() {
            return """
                    {
                      "model_type": "bert",
                      "architectures": ["BertModel"],
                      "vocab_size": %d,
                      "hidden_size": %d,
                      "num_hidden_layers": %d,
                      "num_attention_heads": %d,
                      "intermediate_size": %d,
                      "max_position_embeddings": %d,
                      "type_vocab_size": %d,
                      "layer_norm_eps": %s,
                      "hidden_act": "%s",
                      "position_embedding_type": "absolute"
                    }
                    """.formatted(vocabSize, hidden, layers, heads, intermediate, maxPositions, typeVocabSize,
                    layerNormEps, gelu == Gelu.EXACT ? "gelu" : "gelu_new");
        }

        /** BertFor* checkpoints prefix the encoder with "bert."; the pooler and pre-training heads are not read. */
        @Override
        public String canonicalName(String stored) {
            String name = stored.startsWith("bert.") ? stored.substring(5) : stored;
            return name.startsWith("embeddings.") || name.startsWith("encoder.") ? name : null;
        }

        /** The tensors of a Hugging Face BertModel (without pooler), in order. */
        @Override
        public Map<String, long[]> shapes() {
            int h = hidden, i = intermediate;
            Map<String, long[]> s = new LinkedHashMap<>();
            s.put("embeddings.word_embeddings.weight", new long[] {vocabSize, h});
            s.put("embeddings.position_embeddings.weight", new long[] {maxPositions, h});
            s.put("embeddings.token_type_embeddings.weight", new long[] {typeVocabSize, h});
            s.put("embeddings.LayerNorm.weight", new long[] {h});
            s.put("embeddings.LayerNorm.bias", new long[] {h});
            for (int l = 0; l < layers; l++) {
                String p = "encoder.layer." + l + ".";
                for (String qkv : new String[] {"query", "key", "value"}) {
                    s.put(p + "attention.self." + qkv + ".weight", new long[] {h, h});
                    s.put(p + "attention.self." + qkv + ".bias", new long[] {h});
                }
                s.put(p + "attention.output.dense.weight", new long[] {h, h});
                s.put(p + "attention.output.dense.bias", new long[] {h});
                s.put(p + "attention.output.LayerNorm.weight", new long[] {h});
                s.put(p + "attention.output.LayerNorm.bias", new long[] {h});
                s.put(p + "intermediate.dense.weight", new long[] {i, h});
                s.put(p + "intermediate.dense.bias", new long[] {i});
                s.put(p + "output.dense.weight", new long[] {h, i});
                s.put(p + "output.dense.bias", new long[] {h});
                s.put(p + "output.LayerNorm.weight", new long[] {h});
                s.put(p + "output.LayerNorm.bias", new long[] {h});
            }
            return s;
        }

        /** An encoder has no LM head: {@code lmHead} changes nothing ({@link Checkpoint#languageModel} refuses it). */
        @Override
        public Backbone build(Map<String, StoredTensor> tensors, Weights weights, boolean lmHead) {
            return new Bert(this, tensors, weights);
        }
    }

    private final Config config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Tensor words, positions, types, embNormW, embNormB;
    private Lora lora = Lora.NONE;

    private Bert(Config config, Map<String, StoredTensor> t, Weights weights) {
        this.config = config;
        words = put(weights, "embeddings.word_embeddings.weight", t);
        positions = put(weights, "embeddings.position_embeddings.weight", t);
        types = put(weights, "embeddings.token_type_embeddings.weight", t);
        embNormW = put(weights, "embeddings.LayerNorm.weight", t);
        embNormB = put(weights, "embeddings.LayerNorm.bias", t);
        for (int l = 0; l < config.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            String q = p + "attention.self.query.", k = p + "attention.self.key.", v = p + "attention.self.value.";
            parameters.put(p + "attention.self.qkv.weight", weights.copy(
                    StoredTensor.concatRows(t.get(q + "weight"), t.get(k + "weight"), t.get(v + "weight"))));
            parameters.put(p + "attention.self.qkv.bias", weights.copy(
                    StoredTensor.concatRows(t.get(q + "bias"), t.get(k + "bias"), t.get(v + "bias"))));
            for (String name : new String[] {"attention.output.dense.weight", "attention.output.dense.bias",
                    "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                    "intermediate.dense.weight", "intermediate.dense.bias", "output.dense.weight",
                    "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"}) {
                put(weights, p + name, t);
            }
        }
    }

    private Tensor put(Weights weights, String name, Map<String, StoredTensor> t) {
        Tensor a = weights.copy(t.get(name));
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
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public int blockOf(String parameter) {
        if (parameter.startsWith("embeddings.")) return 0;
        String rest = parameter.substring("encoder.layer.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
    }

    private Tensor p(int layer, String name) {
        return parameters.get("encoder.layer." + layer + "." + name);
    }

    /** The linear layer {@code module} of a block (query, key and value as the fused "attention.self.qkv"). */
    private Tensor linear(Tensor x, int layer, String module) {
        String weight = "encoder.layer." + layer + "." + module + ".weight";
        return lora.linear(weight, x, parameters.get(weight), p(layer, module + ".bias"));
    }

    /** Hugging Face's modules; query, key and value are row slices of the fused qkv matrix. */
    @Override
    public Map<String, Lora.Site> linearModules() {
        Map<String, Lora.Site> m = new LinkedHashMap<>();
        long h = config.hidden(), i = config.intermediate();
        for (int l = 0; l < config.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            String qkv = p + "attention.self.qkv.weight";
            m.put(p + "attention.self.query", new Lora.Site(qkv, 0, h));
            m.put(p + "attention.self.key", new Lora.Site(qkv, h, h));
            m.put(p + "attention.self.value", new Lora.Site(qkv, 2 * h, h));
            m.put(p + "attention.output.dense", new Lora.Site(p + "attention.output.dense.weight", 0, h));
            m.put(p + "intermediate.dense", new Lora.Site(p + "intermediate.dense.weight", 0, i));
            m.put(p + "output.dense", new Lora.Site(p + "output.dense.weight", 0, h));
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
            throw new IllegalArgumentException(length + " tokens exceed the " + config.maxPositions() + " positions");
        }
        Tensor x = wordVectors.add(Nn.embedding(types, batch.typeIds())).add(positions.slice(0, 0, length));
        x = Nn.layerNorm(x, embNormW, embNormB, config.layerNormEps());
        List<Tensor> states = new ArrayList<>();
        if (allLayers) states.add(x);
        // Padding keys get no attention weight; length-bucketed minibatches are often unpadded, and then no mask.
        Tensor allowed = Masks.keys(batch);
        for (int l = 0; l < config.layers(); l++) {
            int layer = l;
            Tensor in = x;
            x = Backbone.block(() -> block(layer, in, allowed), in, !allLayers);
            if (allLayers) states.add(x);
        }
        return allLayers ? states : List.of(x);
    }

    /** Post-LayerNorm: x = LN(x + attn(x)), then LN(x + ffn(x)). */
    private Tensor block(int l, Tensor x, Tensor allowed) {
        long size = x.size(0), length = x.size(1);
        int heads = config.heads(), d = config.headSize();
        double eps = config.layerNormEps();
        Tensor qkv = linear(x, l, "attention.self.qkv").reshape(size, length, 3, heads, d).transpose(2, 0, 3, 1, 4);
        Tensor context = Nn.attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), allowed, false,
                1 / Math.sqrt(d), false).transpose(0, 2, 1, 3).reshape(size, length, config.hidden());
        Tensor attended = linear(context, l, "attention.output.dense").add(x);
        x = Nn.layerNorm(attended, p(l, "attention.output.LayerNorm.weight"), p(l, "attention.output.LayerNorm.bias"),
                eps);
        Tensor up = Nn.gelu(linear(x, l, "intermediate.dense"), config.gelu() == Config.Gelu.TANH);
        Tensor down = linear(up, l, "output.dense").add(x);
        return Nn.layerNorm(down, p(l, "output.LayerNorm.weight"), p(l, "output.LayerNorm.bias"), eps);
    }
}
