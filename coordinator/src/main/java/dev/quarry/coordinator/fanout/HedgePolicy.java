package dev.quarry.coordinator.fanout;

/**
 * When to send a hedged copy of a shard call: after the shard's recent p95 response time (at least
 * {@code minMicros}), or after {@code fixedMicros} when that is set, or never when disabled.
 * Until a shard has enough history, {@code coldMicros} is used.
 */
public record HedgePolicy(boolean enabled, long fixedMicros, long minMicros, long coldMicros) {
    public static final HedgePolicy DEFAULTS = new HedgePolicy(true, 0, 1_000, 20_000);
    public static final HedgePolicy OFF = new HedgePolicy(false, 0, 0, 0);

    /** Microseconds to wait before hedging, or -1 for no hedge. */
    long delayMicros(long recentP95Micros) {
        if (!enabled) {
            return -1;
        }
        if (fixedMicros > 0) {
            return fixedMicros;
        }
        return recentP95Micros < 0 ? coldMicros : Math.max(minMicros, recentP95Micros);
    }
}
