package w2s.model.arch;

import java.util.Map;

/**
 * An architecture's reading of a checkpoint's {@code config.json}: the shapes its tensors must have, and how to
 * build the {@link Backbone} from them. Each architecture's file holds its implementation beside the model.
 */
public interface ArchConfig {

    /** config.json's {@code model_type}. */
    String modelType();

    /** Transformer blocks. */
    int layers();

    int hidden();

    /** Rows of the token embedding matrix; a tokenizer may use fewer (Pythia and Qwen2 pad it), never more. */
    int vocabSize();

    /** The longest input the model takes, in tokens. */
    int maxPositions();

    /** Whether attention is causal (decoders): their natural summary of a text is its last token's state. */
    boolean causal();

    /** Every tensor the model reads, under its canonical name ({@link #canonicalName}), with its shape. */
    Map<String, long[]> shapes();

    /**
     * The canonical name of a tensor as a checkpoint stores it (prefixes such as {@code transformer.} or
     * {@code model.} removed), or null for a tensor the model does not use (pre-training heads, attention-mask
     * buffers, a tied LM head).
     */
    String canonicalName(String stored);

    /** A trainable copy of the weights (canonical names, shapes checked), made as {@code weights} says. */
    Backbone build(Map<String, StoredTensor> tensors, Weights weights);
}
