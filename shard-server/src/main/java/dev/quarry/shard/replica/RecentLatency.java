package dev.quarry.shard.replica;

import java.util.function.LongSupplier;

/**
 * The mean service time of a replica's queries over the last {@link #WINDOW_SECONDS} seconds, the
 * "query latency" a shard server reports in its heartbeats (raft-meta's hot-shard detector reads
 * it). Kept in one-second buckets, so a replica that stops being queried reports 0 after the
 * window instead of its last value forever.
 *
 * <p>Thread-safety: thread-safe (synchronized; one short critical section per query).
 */
public final class RecentLatency {
    public static final int WINDOW_SECONDS = 10;

    private final LongSupplier nanoClock;
    private final long[] second = new long[WINDOW_SECONDS];
    private final long[] sumMicros = new long[WINDOW_SECONDS];
    private final int[] count = new int[WINDOW_SECONDS];

    public RecentLatency() {
        this(System::nanoTime);
    }

    RecentLatency(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    public synchronized void record(long nanos) {
        long now = nanoClock.getAsLong() / 1_000_000_000L;
        int i = (int) Math.floorMod(now, (long) WINDOW_SECONDS);
        if (second[i] != now) {
            second[i] = now;
            sumMicros[i] = 0;
            count[i] = 0;
        }
        sumMicros[i] += nanos / 1000;
        count[i]++;
    }

    /** Mean over the buckets of the last window, milliseconds; 0 when nothing was recorded in it. */
    public synchronized double meanMillis() {
        long now = nanoClock.getAsLong() / 1_000_000_000L;
        long sum = 0;
        long n = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (now - second[i] < WINDOW_SECONDS && count[i] > 0) {
                sum += sumMicros[i];
                n += count[i];
            }
        }
        return n == 0 ? 0 : sum / 1000.0 / n;
    }
}
