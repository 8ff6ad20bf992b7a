package dev.quarry.coordinator.admission;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's token bucket, kept as the generic cell rate algorithm (GCRA): instead of a token
 * count it stores the theoretical arrival time {@code tat} at which the bucket would be full again.
 * A request at {@code now} conforms iff {@code tat - now <= (burst - 1) * interval}; it then moves
 * {@code tat} to {@code max(tat, now) + interval}. This admits exactly what a bucket of
 * {@code burst} tokens refilled at one token per {@code interval} admits, in one long and one CAS,
 * and the refusal carries the exact wait until the next token.
 * Thread-safety: lock-free; {@code tat} changes only by compare-and-set.
 */
public final class TokenBucket {
    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong tat;

    /** A full bucket at {@code nowNanos}. */
    public TokenBucket(RateLimit limit, long nowNanos) {
        if (limit.unlimited()) {
            throw new IllegalArgumentException("an unlimited rate has no bucket");
        }
        this.intervalNanos = Math.max(1, Math.round(1e9 / limit.perSecond()));
        this.toleranceNanos = (long) Math.min(Long.MAX_VALUE / 4.0, (limit.burst() - 1) * intervalNanos);
        this.tat = new AtomicLong(nowNanos);
    }

    /**
     * Takes a token if there is one.
     *
     * @return 0 if the request conforms (a token was taken), else the nanoseconds until one will be there
     */
    public long tryTake(long nowNanos) {
        while (true) {
            long t = tat.get();
            long ahead = t - nowNanos;
            if (ahead > toleranceNanos) {
                return ahead - toleranceNanos;
            }
            long next = Math.max(t, nowNanos) + intervalNanos;
            if (tat.compareAndSet(t, next)) {
                return 0;
            }
        }
    }

    /** Nanoseconds of idleness after which this bucket is full again whatever happened before. */
    public long refillNanos() {
        return toleranceNanos + intervalNanos;
    }

    /** How long after {@code nowNanos} the bucket is full (0 if it is). */
    public long nanosUntilFull(long nowNanos) {
        return Math.max(0, tat.get() - nowNanos);
    }
}
