package dev.quarry.common.meta;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts of a {@link MetaClient}.
 *
 * @param callTimeout total time for one {@code getState} / {@code submit}, retries included
 *     (default 10 s: covers a leader election, which takes up to a few seconds)
 * @param backoffInitial first pause before retrying / reconnecting after UNAVAILABLE (default 100 ms)
 * @param backoffMax the pause doubles up to this (default 5 s)
 */
public record MetaClientOptions(Duration callTimeout, Duration backoffInitial, Duration backoffMax) {
    public static final MetaClientOptions DEFAULTS =
            new MetaClientOptions(Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(5));

    public MetaClientOptions {
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if (callTimeout.toMillis() < 1 || backoffInitial.toMillis() < 1 || backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("timeouts must be positive and backoffMax >= backoffInitial");
        }
    }

    public MetaClientOptions withCallTimeout(Duration timeout) {
        return new MetaClientOptions(timeout, backoffInitial, backoffMax);
    }

    public MetaClientOptions withBackoff(Duration initial, Duration max) {
        return new MetaClientOptions(callTimeout, initial, max);
    }
}
