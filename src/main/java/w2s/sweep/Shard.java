package w2s.sweep;

/**
 * Shard {@code index} of {@code count}: the cells whose cell key, read as a number, leaves {@code index} when divided
 * by {@code count}. A cell's shard depends on its own key only, so it stays the same when the sweep is run again, when
 * seeds or models are added, and on every machine; the shards of one count split any grid into disjoint parts.
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

    /** The shard (of count) that a cell key falls in: its first 64 bits, unsigned, modulo count. */
    public static int of(String cellKey, int count) {
        long bits = Long.parseUnsignedLong(cellKey.substring(0, Math.min(16, cellKey.length())), 16);
        return (int) Long.remainderUnsigned(bits, count);
    }

    public boolean owns(String cellKey) {
        return count == 1 || of(cellKey, count) == index;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
