package dev.quarry.cli.util;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal ({@code \r}-redrawn, at most every 200 ms); silent when
 * output is not a terminal. Thread-safety: called from one thread.
 */
public final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintStream out;
    private final boolean enabled;
    private final long totalBytes;
    private final LongSupplier bytesRead;
    private final long start = System.nanoTime();
    private long lastDraw;

    /**
     * @param totalBytes total input size, or -1 when unknown (stdin)
     * @param bytesRead  how much of it has been read so far
     */
    public Progress(PrintStream out, boolean enabled, long totalBytes, LongSupplier bytesRead) {
        this.out = out;
        this.enabled = enabled;
        this.totalBytes = totalBytes;
        this.bytesRead = bytesRead;
    }

    public void update(long lines, boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double secs = Math.max(1e-3, (now - start) / 1e9);
        String rate = String.format("%,d lines  %,.0f/s", lines, lines / secs);
        if (totalBytes > 0) {
            double f = Math.min(1.0, bytesRead.getAsLong() / (double) totalBytes);
            int width = 30;
            int filled = (int) Math.round(f * width);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + String.format("%3.0f%%  ", f * 100) + rate + "   ");
        } else {
            out.print("\r" + rate + "   ");
        }
        out.flush();
    }

    public void finish() {
        if (enabled) {
            out.println();
        }
    }
}
