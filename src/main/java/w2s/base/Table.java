package w2s.base;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain-text table with aligned columns: text left, numbers right. */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(format(c));
        rows.add(r);
        return this;
    }

    public static String format(Object cell) {
        if (cell == null) return "n/a";
        if (cell instanceof Double d) return d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.3f", d);
        if (cell instanceof Float f) return format(f.doubleValue());
        return cell.toString();
    }

    @Override
    public String toString() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) width[c] = headers.get(c).length();
        for (List<String> r : rows) for (int c = 0; c < r.size(); c++) width[c] = Math.max(width[c], r.get(c).length());
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        sb.append(rule).append('\n');
        for (List<String> r : rows) line(sb, r, width);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            boolean numeric = cell.matches("-?[0-9.]+%?|n/a");
            String pad = " ".repeat(width[c] - cell.length());
            sb.append(c == 0 ? "" : "  ").append(numeric && c > 0 ? pad + cell : cell + pad);
        }
        sb.setLength(sb.length() - trailing(sb));
        sb.append('\n');
    }

    private static int trailing(StringBuilder sb) {
        int n = 0;
        while (n < sb.length() && sb.charAt(sb.length() - 1 - n) == ' ') n++;
        return n;
    }
}
