package dev.quarry.coordinator.select;

import java.util.Arrays;

/**
 * The recent response times of one shard (any replica), for the hedging delay: its p95 over the
 * last {@value #SIZE} answers, recomputed every {@value #RECOMPUTE_EVERY} samples.
 * Thread-safety: synchronized; recording is O(1), the recomputation sorts 512 longs.
 */
public final class LatencyWindow {
    static final int SIZE = 512;
    static final int RECOMPUTE_EVERY = 32;

    private final long[] micros = new long[SIZE];
    private int count;
    private int next;
    private volatile long p95 = -1;

    public synchronized void record(long responseMicros) {
        micros[next] = responseMicros;
        next = (next + 1) % SIZE;
        count = Math.min(SIZE, count + 1);
        if (next % RECOMPUTE_EVERY == 0) { // every RECOMPUTE_EVERY answers, while filling and once full
            long[] copy = Arrays.copyOf(micros, count);
            Arrays.sort(copy);
            p95 = copy[(int) Math.min(count - 1, Math.ceil(count * 0.95) - 1)];
        }
    }

    /** The recent p95 in microseconds, or -1 before enough answers were seen. */
    public long p95Micros() {
        return p95;
    }
}
