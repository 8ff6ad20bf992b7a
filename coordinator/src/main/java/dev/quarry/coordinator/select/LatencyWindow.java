package dev.quarry.coordinator.select;

import java.util.Arrays;

/**
 * The recent response times of one shard (any replica), for the hedging delay: its p95 over the
 * last {@value #SIZE} answers, current after every answer once {@value #MIN_ANSWERS} were seen.
 * The window is kept sorted as answers come and go (once full, the oldest answer's place is taken
 * by the new one: two binary searches and one shift of the values between them), so the p95 is never stale and never needs a sort: sorting a copy
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
            replaceOldest(responseMicros);
        } else {
            int at = insertionPoint(0, count, responseMicros);
            System.arraycopy(sorted, at, sorted, at + 1, count - at);
            sorted[at] = responseMicros;
            count++;
        }
        arrivals[next] = responseMicros;
        next = (next + 1) % SIZE;
        if (count >= MIN_ANSWERS) {
            p95 = sorted[(int) Math.ceil(count * 0.95) - 1];
        }
    }

    /** A full window: the oldest answer's place is taken by the new one, shifting only the values between the two. */
    private void replaceOldest(long responseMicros) {
        int gone = Arrays.binarySearch(sorted, 0, count, arrivals[next]); // some place holding the oldest value
        if (responseMicros >= sorted[gone]) {
            int at = insertionPoint(gone + 1, count, responseMicros);
            System.arraycopy(sorted, gone + 1, sorted, gone, at - gone - 1);
            sorted[at - 1] = responseMicros;
        } else {
            int at = insertionPoint(0, gone, responseMicros);
            System.arraycopy(sorted, at, sorted, at + 1, gone - at);
            sorted[at] = responseMicros;
        }
    }

    /** Where {@code v} goes in the ascending {@code sorted[from, to)}: after every smaller value. */
    private int insertionPoint(int from, int to, long v) {
        int i = Arrays.binarySearch(sorted, from, to, v);
        return i < 0 ? -i - 1 : i;
    }

    /** The recent p95 in microseconds, or -1 before enough answers were seen. */
    public long p95Micros() {
        return p95;
    }
}
