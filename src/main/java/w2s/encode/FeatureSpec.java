package w2s.encode;

/**
 * Which frozen features to read from a pretrained encoder: the layer ("last", "middle" or a 1-based index N counting
 * transformer blocks; 0 is the embedding output), the pooling over real tokens ("mean" over the attention mask, or
 * "cls") and the token limit (longer texts are truncated on the right, or on the left with
 * {@code truncate} "left"; {@code --long-texts drop} drops them before the split, as the reference does).
 */
public record FeatureSpec(String encoder, String layer, String pooling, int maxTokens,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String truncate) {
    /**
     * Which end of a long text is cut: "right" (the default, stored as null so keys and JSON stay as they were) or
     * "left", which keeps the end of the text; special tokens are kept either way.
     */
    public FeatureSpec {
        truncate = truncation(truncate);
    }

    public FeatureSpec(String encoder, String layer, String pooling, int maxTokens) {
        this(encoder, layer, pooling, maxTokens, null);
    }

    /** Checks a --truncate value: null or "right" (the default) give null, "left" gives "left". */
    public static String truncation(String truncate) {
        if (truncate == null || truncate.equals("right")) return null;
        if (truncate.equals("left")) return "left";
        throw new IllegalArgumentException("unknown --truncate '" + truncate + "'; valid values: right, left");
    }

    /** Whether long texts keep their end. */
    public boolean left() {
        return "left".equals(truncate);
    }

    public static FeatureSpec of(String encoder) {
        return new FeatureSpec(encoder, "last", "mean", 256);
    }
}
