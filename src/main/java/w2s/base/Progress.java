package w2s.base;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on standard error with rate and ETA. When standard error is a terminal it redraws one line at most
 * every 200 ms (clearing what a longer line left); otherwise (CI logs, pipes, {@code 2> log}) it prints at most one
 * line a minute and one when it ends, so logs stay short. {@code W2S_PROGRESS=tty|plain} overrides the detection.
 * The ETA is measured from the end of the first unit of work, so a slow start (loading a model, extracting
 * features before the first layer's fit) does not inflate it; until a second unit is done it shows "?". A bar inside another (a
 * model's training inside a sweep) is erased when it finishes, so only the outer bar stays on screen; a bar started
 * within {@link #role} says which model it trains.
 */
public final class Progress implements AutoCloseable {
    private static final boolean TERMINAL = stderrIsTerminal();
    private static volatile boolean quiet = Boolean.getBoolean("w2s.quiet");
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();
    private static final ThreadLocal<String> ROLE = new ThreadLocal<>();

    private final String label;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private final PrintStream out = System.err;
    private static final long PLAIN_EVERY_NANOS = 60_000_000_000L;

    private long done;
    private long lastDraw = System.nanoTime();
    /** Closed, or silent from the start: draws nothing more. */
    private boolean finished;
    /** When the first unit of work ended, and how much was done then: where the ETA's rate is measured from. */
    private long firstAt = -1;
    private long firstDone;

    public Progress(String label, long total, String unit) {
        String role = ROLE.get();
        this.label = role == null || label.isEmpty() ? label : role + ": " + label;
        if (!label.isEmpty()) OPEN.incrementAndGet();
        this.total = Math.max(total, 0);
        this.unit = unit;
    }

    /** A progress bar that prints nothing, for library callers and tests. */
    public static Progress silent() {
        Progress p = new Progress("", 0, "");
        p.finished = true;
        return p;
    }

    public static void setQuiet(boolean q) {
        quiet = q;
    }

    /** Runs {@code work} with its progress bars labelled by a role ("weak", "student", "ceiling"). */
    public static <T> T role(String role, java.util.function.Supplier<T> work) {
        String saved = ROLE.get();
        ROLE.set(role);
        try {
            return work.get();
        } finally {
            ROLE.set(saved);
        }
    }

    /** Standard error (fd 2) is a terminal: System.console() looks at standard input and output instead. */
    static boolean stderrIsTerminal() {
        String forced = System.getenv("W2S_PROGRESS");
        if ("tty".equals(forced)) return true;
        if ("plain".equals(forced)) return false;
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    public synchronized void advance(long n) {
        done += n;
        if (firstAt < 0 && done > 0) {
            firstAt = System.nanoTime();
            firstDone = done;
        }
        draw(false);
    }

    private void draw(boolean last) {
        if (quiet || finished || total == 0) return;
        long now = System.nanoTime();
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = eta(total, done, firstDone, firstAt < 0 ? 0 : (now - firstAt) / 1e9);
        int width = 28;
        int filled = (int) Math.min(width, width * done / total);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d %s  %.1f %s/s  elapsed %s  eta %s",
                label, bar, done, total, unit, rate, unit, clock(seconds), last ? "0s" : clock(eta));
        if (TERMINAL) {
            if (!last && now - lastDraw < 200_000_000L) return;
            lastDraw = now;
            // Clear to the end of the line, so a shorter redraw leaves nothing of the longer one ("eta 0ss"). A
            // finished bar inside another is erased; the outermost one stays, on a line of its own.
            if (last && OPEN.get() > 1) out.print("\r\033[K");
            else out.print("\r" + line + "\033[K" + (last ? "\n" : ""));
        } else {
            if (!last && now - lastDraw < PLAIN_EVERY_NANOS) return;
            lastDraw = now;
            out.println(line);
        }
        out.flush();
    }

    /** Seconds left at the rate since the first unit ended; NaN (shown as "?") until a second unit is done. */
    static double eta(long total, long done, long firstDone, double secondsSinceFirst) {
        if (done <= firstDone || secondsSinceFirst <= 0) return Double.NaN;
        return (total - done) * secondsSinceFirst / (done - firstDone);
    }

    private static String clock(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public synchronized void close() {
        if (finished) return;
        draw(true);
        finished = true;
        if (!label.isEmpty()) OPEN.decrementAndGet();
    }
}
