package w2s.model.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import w2s.torch.Dtype;
import w2s.torch.Nn;
import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * A pretrained transformer whose parameters are libtorch tensors, so autograd can train any of them: it maps a
 * {@link Batch} to hidden states. It knows nothing of pooling, heads or training (those are the caller's).
 * Dropout is absent: the reference trains with the model in eval mode.
 *
 * <p>Layers are numbered as Hugging Face's {@code output_hidden_states} numbers them: 0 is the embedding output,
 * 1 … L−1 the outputs of blocks 1 … L−1, and L the last block's output after the final norm where the architecture
 * has one (GPT-2's {@code ln_f}, NeoX's {@code final_layer_norm}, Llama's {@code norm}).
 *
 * <p>Each block runs in its own {@link Scope}, which frees the block's intermediates as soon as its output exists
 * (autograd keeps what a backward pass needs by itself): a forward pass holds one block's activations at a time,
 * plus the hidden states it returns.
 */
public interface Backbone {

    ArchConfig config();

    /** The token embedding matrix [vocab, hidden]: the one parameter whose gradient touches only the tokens seen. */
    Tensor wordEmbeddings();

    /**
     * The language-model head [vocab, hidden], whose product with layer L's hidden states gives next-token logits as
     * Hugging Face's *ForCausalLM computes them: the token embeddings where the head is tied (GPT-2's {@code wte};
     * Llama, Qwen2, Mistral and GPT-NeoX with {@code tie_word_embeddings}), else the checkpoint's own matrix
     * ({@code embed_out}, {@code lm_head}). An untied head is read only by {@link Checkpoint#languageModel}: Qwen2.5
     * 0.5B's would add 544 MB to every extraction. Loaded, it is a parameter under its checkpoint name (full
     * fine-tuning trains it, LoRA freezes it with the rest).
     *
     * @throws IllegalArgumentException for an encoder, which has no LM head
     * @throws IllegalStateException    for a decoder whose untied head was not loaded ({@link Checkpoint#backbone})
     */
    default Tensor lmHead() {
        throw new IllegalArgumentException(config().modelType() + " is an encoder: it has no language-model head"
                + " to predict next tokens with");
    }

    /**
     * Next-token logits of hidden states of layer L, [..., H] → [..., vocab], in fp32: the product runs in the
     * weights' dtype and is widened, as Hugging Face's {@code logits.float()}, so log-softmax and losses are fp32.
     */
    default Tensor logits(Tensor hidden) {
        return Nn.linear(hidden, lmHead(), null).to(Dtype.FP32);
    }

    /**
     * Hidden states, [B, T, H] each, from the word vectors of the batch's tokens ({@link #wordVectors}): every layer
     * 0 … L when {@code allLayers}, else only layer L.
     */
    List<Tensor> forward(Tensor wordVectors, Batch batch, boolean allLayers);

    /**
     * The incremental forward pass of a decoder, for generation: the word vectors [B, T, H] of T new tokens that
     * follow the tokens in {@code cache}, at positions {@code cache.length()} … {@code + T − 1} (less each row's
     * left padding, which the cache knows: {@link KvCache#positions}). Their keys and values are appended to the
     * cache and they attend causally to the past and to each other, never to padding.
     *
     * @return layer L's hidden states of the new tokens, [B, T, H]
     * @throws IllegalArgumentException for an encoder, or beyond what the model or the cache holds
     */
    default Tensor forward(Tensor wordVectors, KvCache cache) {
        throw new IllegalArgumentException(config().modelType() + " is an encoder: it does not generate text");
    }

    /**
     * Every parameter, under the checkpoint's names where the architecture keeps a tensor as stored; fused tensors
     * (BERT's query, key and value in one matrix) get a name of their own. Stable order.
     */
    Map<String, Tensor> parameters();

    /**
     * The block a parameter belongs to: 0 for the embeddings, 1 … L for the blocks, L + 1 for the final norm and a
     * loaded untied LM head.
     */
    int blockOf(String parameter);

    /**
     * The word embeddings of token ids, [..., H]. Its backward pass writes a gradient the size of the whole
     * vocabulary table, so a training step looks up all its minibatches at once and slices the result.
     */
    default Tensor wordVectors(Tensor ids) {
        return Nn.embedding(wordEmbeddings(), ids);
    }

    /** The hidden states of layer L. */
    default Tensor lastHidden(Batch batch) {
        return forward(wordVectors(batch.ids()), batch, false).get(0);
    }

    /**
     * Every linear layer of the blocks, under its Hugging Face module name (e.g. {@code encoder.layer.0.attention
     * .self.query}), with where its weight sits among {@link #parameters()}: the layers {@link Lora} can adapt.
     */
    Map<String, Lora.Site> linearModules();

    /** Routes the linear layers through these adapters from now on ({@link Lora#NONE}: none). */
    void useAdapters(Lora lora);

    /**
     * LoRA: freezes every parameter of the backbone, adds adapters to the targeted linear layers (owned by
     * {@code owner}, A drawn with {@code seed}) and returns them: their matrices are the only trainable parameters.
     */
    default Lora addLora(Lora.Config config, long seed, Weights owner) {
        Lora lora = Lora.create(this, config, seed, owner);
        parameters().values().forEach(p -> p.requiresGrad(false));
        useAdapters(lora);
        return lora;
    }

    /**
     * Freezes the embeddings and blocks 1 … {@code frozenLayers} (autograd then records nothing for them, so their
     * forward runs as plain inference) and returns the parameters left trainable. 0 trains everything.
     */
    default List<Tensor> setTrainable(int frozenLayers) {
        int layers = config().layers();
        if (frozenLayers < 0 || frozenLayers > layers) {
            throw new IllegalArgumentException("can freeze 0 to " + layers + " layers, not " + frozenLayers);
        }
        List<Tensor> trainable = new ArrayList<>();
        parameters().forEach((name, p) -> {
            boolean train = frozenLayers == 0 || blockOf(name) > frozenLayers;
            p.requiresGrad(train);
            if (train) trainable.add(p);
        });
        return trainable;
    }

    /** What {@link #lmHead} throws for a decoder built without its untied head. */
    static IllegalStateException headNotLoaded(ArchConfig config) {
        return new IllegalStateException("this " + config.modelType() + " model was built without its LM head ("
                + config.lmHeadName() + "); build it with Checkpoint.languageModel to predict next tokens");
    }

    /**
     * Runs one block in a scope of its own and returns its output, kept in the caller's scope; the input is freed
     * too when the caller does not keep every layer (its handle only: autograd still holds it while training).
     */
    static Tensor block(java.util.function.Supplier<Tensor> block, Tensor input, boolean freeInput) {
        Tensor out;
        try (Scope scope = Scope.open()) {
            out = scope.keep(block.get());
        }
        if (freeInput) input.close();
        return out;
    }
}
