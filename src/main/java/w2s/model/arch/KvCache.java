package w2s.model.arch;

import w2s.torch.Scope;
import w2s.torch.Tensor;

/**
 * The keys and values a decoder has computed for the tokens it has seen, layer by layer (Hugging Face's
 * {@code past_key_values}): with them, {@link Backbone#forward(Tensor, KvCache)} runs only the new tokens through
 * the blocks, so a generated token costs one token's pass however long the text already is.
 *
 * <p>Each layer's keys and values live in one buffer [B, kv heads, capacity, head dim] allocated at the first
 * append and filled in place, so appending copies only the new tokens (growing by concatenation would copy the
 * whole past at every token). The buffers belong to the cache's own {@link Scope}, freed by {@link #close}. Meant
 * for inference, under {@link w2s.torch.Torch#noGrad}.
 */
public final class KvCache implements AutoCloseable {
    private final Scope owner = Scope.owner();
    private final long capacity;
    private final Tensor[] keys, values;
    /** Tokens filled per layer: equal between forward passes. */
    private final long[] filled;

    /** An empty cache for a model of {@code layers} blocks and up to {@code capacity} tokens per row. */
    public KvCache(int layers, long capacity) {
        if (capacity < 1) throw new IllegalArgumentException("a cache holds at least 1 token, not " + capacity);
        this.capacity = capacity;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        filled = new long[layers];
    }

    /** The tokens seen so far: the position of the next one. */
    public long length() {
        return filled[filled.length - 1];
    }

    public long capacity() {
        return capacity;
    }

    /**
     * Appends one layer's keys and values of the new tokens, [B, kv heads, T, d] each, and returns that layer's
     * keys and values of every token so far, [B, kv heads, past + T, d] (views of the buffers).
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long past = filled[layer], t = k.size(2);
        if (past + t > capacity) {
            throw new IllegalArgumentException("the key/value cache holds " + capacity + " tokens; " + past + " + "
                    + t + " do not fit");
        }
        if (keys[layer] == null) {
            keys[layer] = owner.adoptFrom(k.zeros(k.size(0), k.size(1), capacity, k.size(3)));
            values[layer] = owner.adoptFrom(v.zeros(v.size(0), v.size(1), capacity, v.size(3)));
        } else if (k.size(0) != keys[layer].size(0)) {
            throw new IllegalArgumentException("the cache holds " + keys[layer].size(0) + " rows, not " + k.size(0));
        }
        keys[layer].slice(2, past, past + t).copyFrom(k);
        values[layer].slice(2, past, past + t).copyFrom(v);
        filled[layer] = past + t;
        return new Tensor[] {keys[layer].slice(2, 0, past + t), values[layer].slice(2, 0, past + t)};
    }

    /** Frees the buffers. */
    @Override
    public void close() {
        owner.close();
    }
}
