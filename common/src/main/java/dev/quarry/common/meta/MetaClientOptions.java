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
 * @param attemptTimeout bound for one attempt on one peer (default 3 s: a commit takes tens of ms
 *     and an election a second or two); a peer that does not answer in time — a frozen process
 *     accepts connections but never replies — is given up for the next one
 */
public record MetaClientOptions(Duration callTimeout, Duration backoffInitial, Duration backoffMax, Duration attemptTimeout) {
    public static final MetaClientOptions DEFAULTS = new MetaClientOptions(Duration.ofSeconds(10), Duration.ofMillis(100),
            Duration.ofSeconds(5), Duration.ofSeconds(3));

    public MetaClientOptions {
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        if (callTimeout.toMillis() < 1 || backoffInitial.toMillis() < 1 || backoffMax.compareTo(backoffInitial) < 0
                || attemptTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeouts must be positive and backoffMax >= backoffInitial");
        }
    }

    public MetaClientOptions(Duration callTimeout, Duration backoffInitial, Duration backoffMax) {
        this(callTimeout, backoffInitial, backoffMax, DEFAULTS.attemptTimeout());
    }

    public MetaClientOptions withCallTimeout(Duration timeout) {
        return new MetaClientOptions(timeout, backoffInitial, backoffMax, attemptTimeout);
    }

    public MetaClientOptions withBackoff(Duration initial, Duration max) {
        return new MetaClientOptions(callTimeout, initial, max, attemptTimeout);
    }

    public MetaClientOptions withAttemptTimeout(Duration timeout) {
        return new MetaClientOptions(callTimeout, backoffInitial, backoffMax, timeout);
    }
}
