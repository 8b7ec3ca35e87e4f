package w2s.encode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import w2s.model.arch.Tokens;
import w2s.model.source.Pretrained;

/** Token counts of texts under a model's tokenizer, special tokens included and nothing truncated. */
public final class TokenCounts {
    private TokenCounts() {}

    /** The counts under {@code model}'s tokenizer: a bundled encoder's, or any {@link Pretrained} backbone's. */
    public static int[] of(String model, List<String> texts) {
        return Tokens.count(tokenizerJson(model), texts);
    }

    /** The tokenizer.json of a bundled encoder or a {@link Pretrained} backbone. */
    public static String tokenizerJson(String model) {
        for (EncoderSpec e : Encoders.all()) {
            if (e.name().equals(model)) {
                try (InputStream in = e.open(e.tokenizerResource())) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException x) {
                    throw new UncheckedIOException("cannot read " + e.tokenizerResource(), x);
                }
            }
        }
        return Pretrained.get(model).checkpoint().tokenizer();
    }
}
