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
 *
 * <p>Rows of different lengths are padded on the left, so that every row's next token is in the same column: the
 * cache then knows each row's padding, gives each token its position within its own row ({@link #positions}) and
 * keeps the padding out of attention ({@link #allowed}).
 */
public final class KvCache implements AutoCloseable {
    private final Scope owner = Scope.owner();
    private final long capacity;
    private final Tensor[] keys, values;
    /** Tokens filled per layer: equal between forward passes. */
    private final long[] filled;
    /** Per row, the padding columns before its first token; null when no row is padded. */
    private final long[] padding;

    /** An empty cache for a model of {@code layers} blocks and up to {@code capacity} tokens per row, unpadded. */
    public KvCache(int layers, long capacity) {
        this(layers, capacity, null);
    }

    /**
     * An empty cache for rows padded on the left by {@code padding[r]} columns (null or all 0: no padding), the
     * first {@code padding[r]} tokens the first forward pass brings for row r being padding.
     */
    public KvCache(int layers, long capacity, long[] padding) {
        if (capacity < 1) throw new IllegalArgumentException("a cache holds at least 1 token, not " + capacity);
        this.capacity = capacity;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        filled = new long[layers];
        boolean padded = padding != null && java.util.Arrays.stream(padding).anyMatch(p -> p != 0);
        this.padding = padded ? padding.clone() : null;
    }

    /** The columns filled so far (padding included): the column of the next token. */
    public long length() {
        return filled[filled.length - 1];
    }

    /**
     * The positions of the next {@code length} tokens within their rows, int64 [rows, length] on {@code like}'s
     * device (one row, broadcast over all, when nothing is padded): the column minus the row's padding, 0 on padding.
     */
    public Tensor positions(long length, Tensor like) {
        long past = length();
        int rows = padding == null ? 1 : padding.length;
        long[] p = new long[(int) (rows * length)];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < length; j++) p[(int) (r * length + j)] = Math.max(0, past + j - pad(r));
        }
        return Tensor.of(null, p, rows, length).toDeviceOf(like);
    }

    /**
     * Which keys the next {@code length} tokens may attend to, bool [rows, 1, length, past + length], or null when
     * nothing is padded (causal attention over the past is then {@link w2s.torch.Nn#attention}'s own). A token
     * sees the real tokens up to itself; a padding token sees only itself, so that no row of attention is empty
     * (its output is never read, and no real token reads its key).
     */
    public Tensor allowed(long length, Tensor like) {
        if (padding == null) return null;
        long past = length(), keys = past + length;
        float[] a = new float[(int) (padding.length * length * keys)];
        for (int r = 0; r < padding.length; r++) {
            for (int i = 0; i < length; i++) {
                for (int j = 0; j <= past + i; j++) {
                    if (j >= padding[r] || j == past + i) a[(int) ((r * length + i) * keys + j)] = 1;
                }
            }
        }
        return Tensor.of(null, a, padding.length, 1, length, keys).toDeviceOf(like).gt(0.5);
    }

    private long pad(int row) {
        return padding == null ? 0 : padding[row];
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
