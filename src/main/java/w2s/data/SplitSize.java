package w2s.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How many documents a part of the split takes ({@code --n-train}, {@code --n-test}): a number the user gave, which
 * the task must have (asking for more is an error that says how many there are); a default or a preset's value, which
 * is only a cap (all the documents when the task has fewer); or all of them.
 *
 * <p>In JSON a size is its number, or "all". A number the user gave and a cap of the same number split a task alike
 * whenever both succeed, so they share one form, and configurations and cache keys written before sizes were checked
 * keep theirs. A number read back from JSON is a cap, so a configuration that ran once runs again.
 *
 * @param count the number of documents; null for all of them
 * @param cap   true when fewer documents than {@code count} are fine (a default, a preset, all)
 */
public record SplitSize(Integer count, boolean cap) {
    /** Every document there is. */
    public static final SplitSize ALL = new SplitSize(null, true);

    public SplitSize {
        if (count == null && !cap) throw new IllegalArgumentException("a size without a count must be a cap (all)");
    }

    /** A number the user gave: the task must have that many documents. */
    public static SplitSize exactly(int count) {
        return new SplitSize(count, false);
    }

    /** A default: that many documents, or all of them if the task has fewer. */
    public static SplitSize upTo(int count) {
        return new SplitSize(count, true);
    }

    /** A size as typed: a whole number (which the task must have) or "all". */
    public static SplitSize parse(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("all")) return ALL;
        try {
            return exactly(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is neither a number of documents nor 'all'");
        }
    }

    /** The number of documents to take from {@code available}: the count, or all of them. */
    public int limit(int available) {
        return count == null ? available : count;
    }

    @JsonValue
    Object json() {
        return count == null ? "all" : count;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static SplitSize fromJson(Object value) {
        if (value instanceof Number n) return upTo(n.intValue());
        if ("all".equals(value)) return ALL;
        throw new IllegalArgumentException("a split size is a number or \"all\", not " + value);
    }

    /** As help and summaries show it: "all", "5000", or "4000 (or all, if fewer)". */
    @Override
    public String toString() {
        if (count == null) return "all";
        return cap ? count + " (or all, if fewer)" : count.toString();
    }
}
