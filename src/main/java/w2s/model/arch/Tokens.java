package w2s.model.arch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Tokenizes texts once, unpadded and truncated to a token limit, and pads groups of them into model inputs: each
 * group only to its own longest member, so the cost of a forward pass follows the real token count.
 */
public final class Tokens {
    /** One tokenized text. */
    public record Encoded(long[] ids, long[] typeIds) {
        public int length() {
            return ids.length;
        }
    }

    private Tokens() {}

    public static Encoded[] encode(String tokenizerJson, int maxTokens, List<String> texts) {
        // The tokenizer.json of some models pads to a fixed length; padding is done here, per group, instead.
        Map<String, String> options = Map.of("padding", "false", "truncation", "true",
                "maxLength", String.valueOf(maxTokens), "addSpecialTokens", "true");
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options)) {
            Encoding[] encodings = tokenizer.batchEncode(texts);
            return Arrays.stream(encodings).map(e -> new Encoded(e.getIds(), e.getTypeIds())).toArray(Encoded[]::new);
        } catch (IOException e) {
            throw new UncheckedIOException("loading the tokenizer", e);
        }
    }

    /** Indices of {@code rows} ordered by token count, longest first (stable, so ties keep their order). */
    public static int[] byLength(Encoded[] rows, int[] indices) {
        return Arrays.stream(indices).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -rows[i].length()))
                .mapToInt(Integer::intValue).toArray();
    }

    public static int[] all(Encoded[] rows) {
        return IntStream.range(0, rows.length).toArray();
    }

    /** The texts of a group padded on the right to the group's longest. */
    public static Batch pad(NDManager manager, Encoded[] rows, int[] group) {
        int length = 0;
        for (int i : group) length = Math.max(length, rows[i].length());
        long[] ids = new long[group.length * length];
        long[] types = new long[ids.length];
        float[] mask = new float[ids.length];
        for (int r = 0; r < group.length; r++) {
            Encoded e = rows[group[r]];
            System.arraycopy(e.ids(), 0, ids, r * length, e.length());
            System.arraycopy(e.typeIds(), 0, types, r * length, e.length());
            Arrays.fill(mask, r * length, r * length + e.length(), 1f);
        }
        Shape shape = new Shape(group.length, length);
        return new Batch(manager.create(ids, shape), manager.create(types, shape), manager.create(mask, shape));
    }
}
