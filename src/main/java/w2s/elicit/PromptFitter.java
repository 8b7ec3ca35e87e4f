package w2s.elicit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import w2s.data.Example;
import w2s.encode.EncoderSpec;
import w2s.encode.Encoders;
import w2s.model.source.Pretrained;

/**
 * Contrast prompts that fit a token limit without losing their answer. The extractors truncate on the right, which
 * would cut off exactly the label word that makes x⁺ and x⁻ differ; so prompts are fitted here first, with the model's
 * own tokenizer: an example whose prompt is too long has its text (never the template or the answer) cut to the
 * longest prefix that fits ({@link Mode#TRUNCATE}), or is dropped, as the DLK reference drops over-long examples
 * ({@link Mode#DROP}). Counts of both are reported.
 */
public final class PromptFitter {
    /** What to do with an example whose prompt exceeds the token limit. */
    public enum Mode {
        TRUNCATE, DROP;

        public static Mode parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--long-texts: unknown value '" + s + "'; valid: truncate (cut the "
                        + "text inside the template, keeping the answer), drop (leave the example out)");
            }
        }
    }

    /**
     * Prompts of the kept examples, aligned across templates: {@code positive.get(t).get(i)} is template t's x⁺ of
     * {@code examples.get(i)}.
     *
     * @param truncated examples whose text was cut in at least one template
     * @param dropped   examples left out (drop mode, or a template too long to hold any of the text)
     */
    public record Fitted(List<ContrastTemplate> templates, List<Example> examples, List<List<String>> positive,
                         List<List<String>> negative, int truncated, int dropped) {
        public String summary() {
            return examples.size() + " kept, " + truncated + " truncated, " + dropped + " dropped";
        }
    }

    private PromptFitter() {}

    /**
     * Fits every example's prompts to {@code maxTokens} tokens as {@code tokens} counts them (special tokens
     * included). Refuses, naming --max-tokens, when no example is left.
     */
    public static Fitted fit(List<ContrastTemplate> templates, List<Example> examples, ToIntFunction<String> tokens,
                             int maxTokens, Mode mode, String what) {
        List<Example> kept = new ArrayList<>();
        List<List<String>> pos = new ArrayList<>();
        List<List<String>> neg = new ArrayList<>();
        for (int t = 0; t < templates.size(); t++) {
            pos.add(new ArrayList<>());
            neg.add(new ArrayList<>());
        }
        int truncated = 0;
        int dropped = 0;
        int longestTemplate = 0;
        for (Example e : examples) {
            String[] texts = new String[templates.size()];
            boolean cut = false;
            boolean drop = false;
            for (int t = 0; t < templates.size() && !drop; t++) {
                ContrastTemplate template = templates.get(t);
                if (fits(template, e.text(), tokens, maxTokens)) {
                    texts[t] = e.text();
                    continue;
                }
                longestTemplate = Math.max(longestTemplate, templateTokens(template, tokens));
                if (mode == Mode.DROP) {
                    drop = true;
                    break;
                }
                String prefix = longestPrefix(template, e.text(), tokens, maxTokens);
                if (prefix == null) drop = true;
                else {
                    texts[t] = prefix;
                    cut = true;
                }
            }
            if (drop) {
                dropped++;
                continue;
            }
            if (cut) truncated++;
            kept.add(e);
            for (int t = 0; t < templates.size(); t++) {
                pos.get(t).add(templates.get(t).positive(texts[t]));
                neg.get(t).add(templates.get(t).negative(texts[t]));
            }
        }
        if (kept.isEmpty() && !examples.isEmpty()) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + ": all " + examples.size() + " " + what
                    + " examples exceed it after templating (" + dropped + " dropped"
                    + (mode == Mode.DROP ? "; --truncate truncate would cut their texts instead" : "")
                    + "; the longest template alone takes " + longestTemplate + " tokens): raise --max-tokens");
        }
        return new Fitted(templates, kept, pos, neg, truncated, dropped);
    }

    private static boolean fits(ContrastTemplate template, String text, ToIntFunction<String> tokens, int maxTokens) {
        return tokens.applyAsInt(template.positive(text)) <= maxTokens
                && tokens.applyAsInt(template.negative(text)) <= maxTokens;
    }

    private static int templateTokens(ContrastTemplate template, ToIntFunction<String> tokens) {
        return Math.max(tokens.applyAsInt(template.positive("")), tokens.applyAsInt(template.negative("")));
    }

    /** The longest non-blank prefix of text whose prompts fit, by bisection on its length; null if none does. */
    static String longestPrefix(ContrastTemplate template, String text, ToIntFunction<String> tokens, int maxTokens) {
        int lo = 0;
        int hi = text.length();
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (fits(template, cut(text, mid), tokens, maxTokens)) lo = mid;
            else hi = mid - 1;
        }
        String prefix = cut(text, lo).stripTrailing();
        return prefix.isBlank() ? null : prefix;
    }

    private static String cut(String text, int length) {
        // Never split a surrogate pair.
        if (length > 0 && length < text.length() && Character.isHighSurrogate(text.charAt(length - 1))) length--;
        return text.substring(0, length);
    }

    /**
     * Token counts with a model's own tokenizer, special tokens included, as its extractor will tokenize: the bundled
     * encoders' tokenizer.json from the class path, any other model's from its checkpoint.
     */
    public static final class Counter implements ToIntFunction<String>, AutoCloseable {
        private final HuggingFaceTokenizer tokenizer;

        private Counter(byte[] tokenizerJson) {
            Map<String, String> options = Map.of("padding", "false", "truncation", "false",
                    "addSpecialTokens", "true");
            try (InputStream in = new ByteArrayInputStream(tokenizerJson)) {
                this.tokenizer = HuggingFaceTokenizer.newInstance(in, options);
            } catch (IOException e) {
                throw new UncheckedIOException("loading the tokenizer", e);
            }
        }

        public static Counter of(String model) {
            for (EncoderSpec e : Encoders.all()) {
                if (e.name().equals(model)) {
                    try (InputStream in = PromptFitter.class.getClassLoader()
                            .getResourceAsStream(e.tokenizerResource())) {
                        if (in == null) throw new IllegalStateException(e.tokenizerResource() + " not on the class path");
                        return new Counter(in.readAllBytes());
                    } catch (IOException ex) {
                        throw new UncheckedIOException("cannot read " + e.tokenizerResource(), ex);
                    }
                }
            }
            return new Counter(Pretrained.get(model).checkpoint().tokenizer().getBytes(StandardCharsets.UTF_8));
        }

        /** Token ids, special tokens included. */
        public long[] ids(String text) {
            return tokenizer.encode(text).getIds();
        }

        public String decode(long[] ids) {
            return tokenizer.decode(ids, false);
        }

        @Override
        public int applyAsInt(String text) {
            return tokenizer.encode(text).getIds().length;
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }
}
