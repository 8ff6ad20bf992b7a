package dev.quarry.coordinator.admission;

import java.util.Objects;

/** The outcome of asking for admission: a permit to run now, or a refusal with a retry hint. */
public sealed interface Decision {

    /** Admitted: run the request, then close the permit (exactly once is enough; more is harmless). */
    record Admitted(Permit permit) implements Decision {
        public Admitted {
            Objects.requireNonNull(permit, "permit");
        }
    }

    /**
     * Refused.
     *
     * @param reason           why, for metrics and the message
     * @param retryAfterNanos  a hint: how long until a retry could succeed (at least 1 ms)
     * @param detail           one sentence for the caller, without the retry hint
     */
    record Shed(ShedReason reason, long retryAfterNanos, String detail) implements Decision {
        public static final long MIN_RETRY_AFTER_NANOS = 1_000_000L;

        public Shed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
            retryAfterNanos = Math.max(MIN_RETRY_AFTER_NANOS, retryAfterNanos);
        }

        public long retryAfterMillis() {
            return (retryAfterNanos + 999_999) / 1_000_000;
        }
    }
}
