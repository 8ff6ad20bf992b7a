package dev.quarry.coordinator.select;

import java.util.Arrays;

/**
 * The recent response times of one shard (any replica), for the hedging delay: its p95 over the
 * last {@value #SIZE} answers, current after every answer once {@value #MIN_ANSWERS} were seen.
 * The window is kept sorted as answers come and go (a binary search and a shift of at most
 * {@value #SIZE} longs per answer), so the p95 is never stale and never needs a sort: sorting a copy
 * of the window on every answer took 9% of a coordinator's CPU for a search Lucene answers at once,
 * and recomputing only every 32 answers left the hedging delay behind a change of load.
 * Thread-safety: synchronized.
 */
public final class LatencyWindow {
    static final int SIZE = 512;
    /** Answers needed before a p95 is given. */
    static final int MIN_ANSWERS = 32;

    /** The window in arrival order (a ring). */
    private final long[] arrivals = new long[SIZE];
    /** The same values, ascending, in the first {@link #count} places. */
    private final long[] sorted = new long[SIZE];
    private int count;
    private int next;
    private volatile long p95 = -1;

    public synchronized void record(long responseMicros) {
        if (count == SIZE) {
            int gone = Arrays.binarySearch(sorted, 0, count, arrivals[next]); // some place holding the oldest value
            System.arraycopy(sorted, gone + 1, sorted, gone, count - gone - 1);
            count--;
        }
        arrivals[next] = responseMicros;
        next = (next + 1) % SIZE;
        int at = Arrays.binarySearch(sorted, 0, count, responseMicros);
        at = at < 0 ? -at - 1 : at;
        System.arraycopy(sorted, at, sorted, at + 1, count - at);
        sorted[at] = responseMicros;
        count++;
        if (count >= MIN_ANSWERS) {
            p95 = sorted[(int) Math.ceil(count * 0.95) - 1];
        }
    }

    /** The recent p95 in microseconds, or -1 before enough answers were seen. */
    public long p95Micros() {
        return p95;
    }
}
