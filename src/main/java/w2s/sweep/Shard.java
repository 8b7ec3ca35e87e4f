package w2s.sweep;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shard {@code index} of {@code count}: the sweep's cells sorted by cell key and dealt out in turn, so the shards of a
 * sweep differ by at most one cell and every worker given the same sweep file computes the same split. Adding cells to
 * a sweep can move others to another shard; that is harmless, since a worker claims a cell before running it and skips
 * finished ones (see {@link Claims}), and balance is what decides when an array of shards finishes.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("--shard " + index + "/" + count + ": needs I/N with 0 <= I < N");
        }
    }

    /** Reads {@code I/N}, e.g. {@code 0/4} ... {@code 3/4}. */
    public static Shard parse(String text) {
        String t = text == null ? "" : text.trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})/(\\d{1,9})").matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("--shard '" + text + "' is not of the form I/N (for example 0/4: the "
                    + "first of 4 shards, numbered 0 to 3)");
        }
        int i = Integer.parseInt(m.group(1));
        int n = Integer.parseInt(m.group(2));
        if (n < 1 || i >= n) {
            throw new IllegalArgumentException("--shard " + t + ": needs 0 <= I < N (shards of " + n + " are numbered 0 to "
                    + Math.max(0, n - 1) + ")");
        }
        return new Shard(i, n);
    }

    /** The shard (of count) each cell key falls in: keys sorted, then dealt out 0, 1, …, count − 1, 0, 1, … */
    public static Map<String, Integer> deal(Collection<String> cellKeys, int count) {
        Map<String, Integer> shardOf = new HashMap<>();
        int i = 0;
        for (String key : new TreeSet<>(cellKeys)) shardOf.put(key, i++ % count);
        return shardOf;
    }

    /** The cells of this shard, out of all the sweep's cells. */
    public Set<String> cells(Collection<String> cellKeys) {
        Set<String> mine = new HashSet<>();
        deal(cellKeys, count).forEach((key, shard) -> {
            if (shard == index) mine.add(key);
        });
        return mine;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
