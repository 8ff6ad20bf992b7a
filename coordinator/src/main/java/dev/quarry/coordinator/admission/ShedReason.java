package dev.quarry.coordinator.admission;

import java.util.Locale;

/** Why admission refused a request; the {@code reason} tag of {@code quarry.coordinator.admission.shed}. */
public enum ShedReason {
    /** The client's token bucket is empty (it sends faster than its configured rate). */
    RATE_LIMITED,
    /** Every slot is busy and the wait queue (or the batch part of it) is full. */
    QUEUE_FULL,
    /** The queue ahead, at the recent service time, would take longer than the request's wait budget. */
    WAIT_EXCEEDS_BUDGET,
    /** It waited its whole budget in the queue without getting a slot. */
    QUEUE_TIMEOUT,
    /** A batch request pushed out of a full queue by an interactive one. */
    EVICTED,
    /** The caller went away (cancelled, or its deadline passed) while it waited. */
    CANCELLED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
