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

    /**
     * Whether next-token logits read the token embedding matrix (config.json's {@code tie_word_embeddings}, with
     * Hugging Face's default for the model type): then the LM head costs nothing. False for encoders.
     */
    default boolean tiedLmHead() {
        return false;
    }

    /**
     * The canonical name of an untied LM head's own matrix [vocab, hidden] (GPT-NeoX's {@code embed_out.weight},
     * Llama's {@code lm_head.weight}), or null where the head is tied ({@link #tiedLmHead}) or there is none
     * (encoders). It is not among {@link #shapes()}: a checkpoint may lack it, and only a language model reads it.
     */
    default String lmHeadName() {
        return null;
    }

    /** A trainable copy of the weights without an untied LM head: what extraction and classification need. */
    default Backbone build(Map<String, StoredTensor> tensors, Weights weights) {
        return build(tensors, weights, false);
    }

    /**
     * A trainable copy of the weights (canonical names, shapes checked), made as {@code weights} says; with
     * {@code lmHead} an untied head is read too ({@link Checkpoint#languageModel} checks that it exists).
     */
    Backbone build(Map<String, StoredTensor> tensors, Weights weights, boolean lmHead);
}
