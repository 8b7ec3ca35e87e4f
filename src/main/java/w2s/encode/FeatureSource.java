package w2s.encode;

import java.util.Locale;
import java.util.function.Supplier;

import w2s.model.source.Pretrained;
import w2s.torch.Dtype;

/**
 * A model whose frozen hidden states can be read and cached: its shape, what identifies its outputs (part of every
 * feature-cache key), and how to open an {@link Extractor}. The bundled encoders are read with ONNX Runtime; every
 * other backbone (decoders, BERT-base, a user's folder or Hugging Face id) with PyTorch.
 *
 * @param layers   transformer blocks; layers 0 (embeddings) to {@code layers} can be read
 * @param identity what determines the vectors besides layer, pooling and token limit
 * @param causal   a decoder, whose natural pooling is the last token
 */
public record FeatureSource(String name, int layers, int hidden, int maxPositions, String identity, boolean causal,
                            Supplier<Extractor> opener) {

    /** The source of a model name: a bundled encoder, or any {@link Pretrained} backbone, read in fp32. */
    public static FeatureSource of(String model) {
        return of(model, Dtype.FP32);
    }

    /**
     * The source of a model name in a dtype. A torch backbone in bf16 stores its weights and computes in bfloat16
     * (its pooled vectors come back as fp32), and its identity says so, so its features are cached apart from the
     * fp32 ones. The bundled encoders run in ONNX Runtime in fp32 whatever is asked.
     */
    public static FeatureSource of(String model, Dtype dtype) {
        for (EncoderSpec e : Encoders.all()) {
            if (e.name().equals(model)) {
                return new FeatureSource(e.name(), e.layers(), e.hidden(), e.maxPositions(),
                        String.join("\n", e.artifact(), e.modelResource(), e.tokenizerResource()), false,
                        () -> new OnnxEncoder(e));
            }
        }
        Pretrained p = Pretrained.get(model);
        return new FeatureSource(p.name(), p.config().layers(), p.config().hidden(), p.config().maxPositions(),
                p.config().modelType() + "\n" + p.fingerprint() + (dtype == Dtype.FP32 ? "" : "\n" + dtype.id()),
                p.config().causal(), () -> new TorchExtractor(p.checkpoint(), dtype));
    }

    /** Whether a model name has the ONNX Runtime fast path. */
    public boolean onnx() {
        return Encoders.all().stream().anyMatch(e -> e.name().equals(name));
    }

    /**
     * Resolves a layer name: "last" is layer {@code layers} (for decoders, after the final norm), "middle" layer
     * layers/2, a number N layer N, and 0 the embedding output.
     */
    public int layer(String layer) {
        return layer(name, layers, layer);
    }

    /** Checks a layer number: 0 (embeddings) to {@code layers}. */
    public int checkLayer(int layer) {
        return checkLayer(name, layers, layer);
    }

    /** Checks a token limit: at least 3 tokens, at most what the model's positions cover. */
    public int checkMaxTokens(int maxTokens) {
        return checkMaxTokens(name, maxPositions, maxTokens);
    }

    /** The layer rule of every model (bundled encoders included), by the model's name and depth. */
    static int layer(String model, int layers, String layer) {
        String s = layer == null ? "" : layer.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "last" -> layers;
            case "middle" -> layers / 2;
            default -> {
                try {
                    yield checkLayer(model, layers, Integer.parseInt(s));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(badLayer(model, layers, layer));
                }
            }
        };
    }

    static int checkLayer(String model, int layers, int layer) {
        if (layer < 0 || layer > layers) {
            throw new IllegalArgumentException(badLayer(model, layers, String.valueOf(layer)));
        }
        return layer;
    }

    private static String badLayer(String model, int layers, String layer) {
        return "layer '" + layer + "' is not valid for model " + model + ": use 'last' (" + layers + "), 'middle' ("
                + layers / 2 + ") or a number from 0 (embeddings) to " + layers;
    }

    static int checkMaxTokens(String model, int maxPositions, int maxTokens) {
        if (maxTokens < 3 || maxTokens > maxPositions) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " is out of range for model " + model
                    + ": use 3 to " + maxPositions);
        }
        return maxTokens;
    }
}
