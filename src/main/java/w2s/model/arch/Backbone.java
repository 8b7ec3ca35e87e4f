package w2s.model.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * A pretrained transformer whose parameters are PyTorch tensors held by DJL, so autograd can train any of them: it
 * maps a {@link Batch} to hidden states. It knows nothing of pooling, heads or training (those are the caller's).
 * Dropout is absent: the reference trains with the model in eval mode.
 *
 * <p>Layers are numbered as Hugging Face's {@code output_hidden_states} numbers them: 0 is the embedding output,
 * 1 … L−1 the outputs of blocks 1 … L−1, and L the last block's output after the final norm where the architecture
 * has one (GPT-2's {@code ln_f}, NeoX's {@code final_layer_norm}, Llama's {@code norm}).
 */
public interface Backbone {

    ArchConfig config();

    /** The token embedding matrix [vocab, hidden]: the one parameter whose gradient touches only the tokens seen. */
    NDArray wordEmbeddings();

    /**
     * Hidden states, [B, T, H] each, from the word vectors of the batch's tokens ({@link #wordVectors}): every layer
     * 0 … L when {@code allLayers}, else only layer L.
     */
    NDList forward(NDArray wordVectors, Batch batch, boolean allLayers);

    /**
     * Every parameter, under the checkpoint's names where the architecture keeps a tensor as stored; fused tensors
     * (BERT's query, key and value in one matrix) get a name of their own. Stable order.
     */
    Map<String, NDArray> parameters();

    /** The block a parameter belongs to: 0 for the embeddings, 1 … L for the blocks, L + 1 for the final norm. */
    int blockOf(String parameter);

    /**
     * The word embeddings of token ids, [..., H]. Its backward pass writes a gradient the size of the whole
     * vocabulary table, so a training step looks up all its minibatches at once and slices the result.
     */
    default NDArray wordVectors(NDArray ids) {
        return Embedding.embedding(ids, wordEmbeddings(), SparseFormat.DENSE).singletonOrThrow();
    }

    /** The hidden states of layer L. */
    default NDArray lastHidden(Batch batch) {
        return forward(wordVectors(batch.ids()), batch, false).singletonOrThrow();
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
     * {@code manager}, A drawn with {@code seed}) and returns them: their matrices are the only trainable parameters.
     */
    default Lora addLora(Lora.Config config, long seed, ai.djl.ndarray.NDManager manager) {
        Lora lora = Lora.create(this, config, seed, manager);
        parameters().values().forEach(p -> p.setRequiresGradient(false));
        useAdapters(lora);
        return lora;
    }

    /**
     * Freezes the embeddings and blocks 1 … {@code frozenLayers} (autograd then records nothing for them, so their
     * forward runs as plain inference) and returns the parameters left trainable. 0 trains everything.
     */
    default List<NDArray> setTrainable(int frozenLayers) {
        int layers = config().layers();
        if (frozenLayers < 0 || frozenLayers > layers) {
            throw new IllegalArgumentException("can freeze 0 to " + layers + " layers, not " + frozenLayers);
        }
        List<NDArray> trainable = new ArrayList<>();
        parameters().forEach((name, p) -> {
            boolean train = frozenLayers == 0 || blockOf(name) > frozenLayers;
            p.setRequiresGradient(train);
            if (train) trainable.add(p);
        });
        return trainable;
    }
}
