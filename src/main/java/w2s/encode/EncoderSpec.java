package w2s.encode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A pretrained encoder bundled in a Maven jar: where its ONNX graph and tokenizer live on the classpath and the
 * architecture facts needed to address its layers.
 *
 * @param artifact     Maven coordinate of the jar holding both resources; with the resource names it identifies the
 *                     model bytes, so it is part of every feature-cache key
 * @param parameters   weights in the ONNX graph (the bundled graphs have no pooler)
 * @param maxPositions longest input the position embeddings allow, in tokens
 */
public record EncoderSpec(String name, String artifact, String modelResource, String tokenizerResource,
                          long parameters, int layers, int hidden, int maxPositions, boolean quantized,
                          String license) {

    /** Resolves a layer name as {@link FeatureSource#layer} does (the same rule for every model). */
    public int layer(String layer) {
        return FeatureSource.layer(name, layers, layer);
    }

    /** Checks a layer number: 0 (embeddings) to {@code layers}. */
    public int checkLayer(int layer) {
        return FeatureSource.checkLayer(name, layers, layer);
    }

    /** Checks a token limit: at least [CLS], one token and [SEP], at most what the position embeddings cover. */
    public int checkMaxTokens(int maxTokens) {
        return FeatureSource.checkMaxTokens(name, maxPositions, maxTokens);
    }

    public byte[] modelBytes() {
        try (InputStream in = open(modelResource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + modelResource + " from " + artifact, e);
        }
    }

    InputStream open(String resource) {
        InputStream in = EncoderSpec.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("resource " + resource + " of encoder " + name
                    + " is not on the classpath: it comes from the Maven artifact " + artifact);
        }
        return in;
    }
}
