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
import w2s.torch.Device;
import w2s.torch.Tensor;

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
        return encode(tokenizerJson, maxTokens, texts, false);
    }

    /**
     * Tokenizes texts truncated to {@code maxTokens}, special tokens included. With {@code left} a long text keeps
     * its end (where converters put the question or answer) instead of its beginning; its special tokens ([CLS] and
     * [SEP], a BOS) are kept either way.
     */
    public static Encoded[] encode(String tokenizerJson, int maxTokens, List<String> texts, boolean left) {
        if (!left) {
            // The tokenizer.json of some models pads to a fixed length; padding is done here, per group, instead.
            try (HuggingFaceTokenizer tokenizer = tokenizer(tokenizerJson, Map.of("padding", "false",
                    "truncation", "true", "maxLength", String.valueOf(maxTokens), "addSpecialTokens", "true"))) {
                Encoding[] encodings = tokenizer.batchEncode(texts);
                return Arrays.stream(encodings).map(e -> new Encoded(e.getIds(), e.getTypeIds())).toArray(Encoded[]::new);
            }
        }
        Encoded[] full = untruncated(tokenizerJson, texts, true);
        Encoded[] content = untruncated(tokenizerJson, texts, false);
        Encoded[] out = new Encoded[full.length];
        for (int i = 0; i < full.length; i++) out[i] = keepEnd(full[i], content[i].ids(), maxTokens);
        return out;
    }

    /** Token counts of texts, special tokens included, without truncation. */
    public static int[] count(String tokenizerJson, List<String> texts) {
        return Arrays.stream(untruncated(tokenizerJson, texts, true)).mapToInt(Encoded::length).toArray();
    }

    /**
     * A text's tokens cut to {@code maxTokens} keeping the end: the special tokens before and after the content
     * (found where the content without special tokens sits inside the full encoding) and the last content tokens.
     */
    public static Encoded keepEnd(Encoded full, long[] content, int maxTokens) {
        if (full.length() <= maxTokens) return full;
        int specials = full.length() - content.length;
        int prefix = 0;
        for (int p = 0; p <= specials; p++) {
            if (Arrays.equals(full.ids(), p, p + content.length, content, 0, content.length)) {
                prefix = p;
                break;
            }
        }
        if (specials < 0) { // the content is not a part of the full encoding: keep the last tokens
            prefix = 0;
            specials = 0;
        }
        int suffix = specials - prefix;
        int keep = maxTokens - specials;
        if (keep < 1) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " leaves no room for text beside "
                    + specials + " special tokens");
        }
        int from = prefix + (full.length() - specials) - keep;
        return new Encoded(cut(full.ids(), prefix, from, keep, suffix), cut(full.typeIds(), prefix, from, keep, suffix));
    }

    private static long[] cut(long[] a, int prefix, int from, int keep, int suffix) {
        long[] out = new long[prefix + keep + suffix];
        System.arraycopy(a, 0, out, 0, prefix);
        System.arraycopy(a, from, out, prefix, keep);
        System.arraycopy(a, a.length - suffix, out, prefix + keep, suffix);
        return out;
    }

    /** The tokens of texts without special tokens and without truncation: a generative answer as a model writes it. */
    public static long[][] content(String tokenizerJson, List<String> texts) {
        return Arrays.stream(untruncated(tokenizerJson, texts, false)).map(Encoded::ids).toArray(long[][]::new);
    }

    /** The text of token ids, special tokens left out (as Hugging Face's {@code decode(skip_special_tokens=True)}). */
    public static String[] decode(String tokenizerJson, List<long[]> ids) {
        try (HuggingFaceTokenizer tokenizer = tokenizer(tokenizerJson, Map.of("addSpecialTokens", "false"))) {
            return ids.stream().map(i -> tokenizer.decode(i, true)).toArray(String[]::new);
        }
    }

    private static Encoded[] untruncated(String tokenizerJson, List<String> texts, boolean specials) {
        try (HuggingFaceTokenizer tokenizer = tokenizer(tokenizerJson, Map.of("padding", "false",
                "truncation", "false", "addSpecialTokens", String.valueOf(specials)))) {
            return Arrays.stream(tokenizer.batchEncode(texts)).map(e -> new Encoded(e.getIds(), e.getTypeIds()))
                    .toArray(Encoded[]::new);
        }
    }

    private static HuggingFaceTokenizer tokenizer(String tokenizerJson, Map<String, String> options) {
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
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

    /** The texts of a group padded on the right to the group's longest, on the CPU. */
    public static Batch pad(Encoded[] rows, int[] group) {
        return pad(rows, group, Device.CPU);
    }

    /** The texts of a group padded on the right to the group's longest, on {@code device} (in the current scope). */
    public static Batch pad(Encoded[] rows, int[] group, Device device) {
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
        boolean padded = false;
        for (int i : group) padded |= rows[i].length() < length;
        return new Batch(onDevice(Tensor.of(null, ids, group.length, length), device),
                onDevice(Tensor.of(null, types, group.length, length), device),
                onDevice(Tensor.of(null, mask, group.length, length), device), padded);
    }

    private static Tensor onDevice(Tensor cpu, Device device) {
        return device.gpu() ? cpu.to(device) : cpu;
    }
}
