package dev.quarry.cli.bench;

import java.io.PrintStream;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.TimeUnit;

/**
 * Waits until the machine's CPU is mostly idle before a measurement that must not inherit the
 * previous one's work. After the ingest bench's throughput run, the replicas still merge and commit
 * the segments of the whole corpus for tens of seconds, and a freshness run started at once measured
 * that aftermath (its first half's p99 was 0.5 s above its second half's). After the search bench's
 * warm-up, the JIT compilers of both JVMs are still busy (the bench's C2 compiled at 60-70% of a core
 * into the first measured rounds). Gives up after
 * {@link #MAX_WAIT_SECONDS} and says so; either way it prints what it waited for.
 *
 * <p>Thread-safety: stateless.
 */
public final class MachineQuiet {
    /** Machine CPU use (0..1, all cores) below which it counts as quiet. */
    static final double QUIET_LOAD = 0.25;
    static final int QUIET_SAMPLES = 3;
    static final long SAMPLE_MS = 1000;
    static final long MAX_WAIT_SECONDS = 120;

    private MachineQuiet() {}

    /** Waits, and prints how long and why: {@code leftover} names the work the previous run left (e.g. "merges and commits"). */
    public static void await(OperatingSystemMXBean os, PrintStream out, String leftover) throws InterruptedException {
        if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) {
            out.println("(the JVM does not report machine CPU use: not waiting for the machine to go quiet)");
            return;
        }
        long start = System.nanoTime();
        sun.getCpuLoad(); // starts the measuring window
        int quiet = 0;
        double load = 1;
        while (quiet < QUIET_SAMPLES && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(MAX_WAIT_SECONDS)) {
            TimeUnit.MILLISECONDS.sleep(SAMPLE_MS);
            load = sun.getCpuLoad();
            quiet = load >= 0 && load < QUIET_LOAD ? quiet + 1 : 0;
        }
        double waited = (System.nanoTime() - start) / 1e9;
        if (quiet >= QUIET_SAMPLES) {
            out.printf("waited %.0f s for the machine to go quiet (CPU below %.0f%% for %d s: the run above left %s)%n",
                    waited, QUIET_LOAD * 100, QUIET_SAMPLES * SAMPLE_MS / 1000, leftover);
        } else {
            out.printf("waited %.0f s; the machine is still busy (CPU %.0f%%, quiet is below %.0f%%): the figures below include that work%n",
                    waited, load * 100, QUIET_LOAD * 100);
        }
    }
}
