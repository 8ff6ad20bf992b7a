package dev.quarry.meta.server;

import java.util.Arrays;
import java.util.Map;

/** Percentiles of nanosecond samples, for the measurements the ITs print. */
final class Stats {
    private Stats() {}

    /** p50/p99/max in ms, and p50us/p99us in microseconds (nearest-rank). */
    static Map<String, Long> summary(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        long p50 = s[rank(s.length, 0.50)];
        long p99 = s[rank(s.length, 0.99)];
        return Map.of("p50", p50 / 1_000_000, "p99", p99 / 1_000_000, "max", s[s.length - 1] / 1_000_000,
                "p50us", p50 / 1_000, "p99us", p99 / 1_000);
    }

    private static int rank(int n, double q) {
        return Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1));
    }
}
