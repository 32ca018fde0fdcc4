package panface.nn.data;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress reporter for loops over a known number of steps: on a terminal a bar redrawn in
 * place (at most every 100 ms), otherwise a plain log line at most every {@code logEverySeconds}
 * seconds and at the end. Each report shows the step, the percentage, the rate and an optional
 * caller-supplied note (a loss, a skipped-record count). Not thread-safe: one loop calls it.
 */
public final class Progress {
    private static final int BAR = 30;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long logEveryNanos;
    private final LongSupplier clock;
    private final long start;
    private long lastPrint = Long.MIN_VALUE;

    Progress(String label, long total, PrintStream out, boolean terminal, double logEverySeconds, LongSupplier clock) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
        this.logEveryNanos = (long) (logEverySeconds * 1e9);
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Reports to standard error: a bar when it is a terminal, else a line every {@code logEverySeconds}. */
    public static Progress start(String label, long total, double logEverySeconds) {
        Console c = System.console();
        return new Progress(label, total, System.err, c != null && c.isTerminal(), logEverySeconds, System::nanoTime);
    }

    /** Reports to {@code out} as plain lines (for logs and tests). */
    public static Progress lines(String label, long total, PrintStream out, double logEverySeconds) {
        return new Progress(label, total, out, false, logEverySeconds, System::nanoTime);
    }

    /** Records that {@code done} of the steps are complete; {@code note} may be null. */
    public void update(long done, String note) {
        long now = clock.getAsLong();
        boolean last = done >= total;
        long gap = terminal ? 100_000_000L : logEveryNanos;
        if (!last && lastPrint != Long.MIN_VALUE && now - lastPrint < gap) {
            return;
        }
        lastPrint = now;
        String line = line(done, now, note);
        if (terminal) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    String line(long done, long now, String note) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        double frac = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (terminal) {
            int filled = (int) Math.round(frac * BAR);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
        }
        sb.append(String.format(Locale.ROOT, "%d/%d (%.1f%%) %.1f/s", done, total, 100 * frac, rate));
        if (rate > 0 && done < total) {
            long eta = Math.round((total - done) / rate);
            sb.append(String.format(Locale.ROOT, " eta %d:%02d:%02d", eta / 3600, eta / 60 % 60, eta % 60));
        }
        if (note != null && !note.isEmpty()) {
            sb.append("  ").append(note);
        }
        return sb.toString();
    }
}
