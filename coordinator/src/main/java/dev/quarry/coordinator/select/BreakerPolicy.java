package dev.quarry.coordinator.select;

import java.time.Duration;

/**
 * Tunables of replica selection.
 *
 * @param failureThreshold    consecutive failures that open a replica's circuit breaker
 * @param openNanos           first cool-down of an open breaker (doubles on each failed probe)
 * @param maxOpenNanos        longest cool-down
 * @param warmupSamples       answers a new replica gives (to shadow requests) before it is ranked by C3
 * @param staleNanos          statistics older than this are refreshed by a shadow request
 * @param shadowIntervalNanos at most one shadow request per replica per interval
 */
public record BreakerPolicy(int failureThreshold, long openNanos, long maxOpenNanos, int warmupSamples, long staleNanos,
                            long shadowIntervalNanos) {
    public static final BreakerPolicy DEFAULTS = new BreakerPolicy(3, Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(30).toNanos(),
            5, Duration.ofSeconds(2).toNanos(), Duration.ofMillis(200).toNanos());
}
