package dev.quarry.coordinator.error;

import java.time.Duration;
import java.util.Optional;

/** A request the coordinator refuses or cannot complete; {@link #kind()} decides the gRPC status. */
public final class CoordinatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Failure classes, one per gRPC status a client should handle differently. */
    public enum Kind { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, UNAVAILABLE, UNIMPLEMENTED }

    private final Kind kind;
    private final Duration retryAfter;

    public CoordinatorException(Kind kind, String message) {
        this(kind, message, null);
    }

    private CoordinatorException(Kind kind, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** When a retry could succeed, if the refusal knows (sent as the {@code retry-after-ms} trailer). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Overloaded or over a limit: RESOURCE_EXHAUSTED with a hint when to retry. */
    public static CoordinatorException resourceExhausted(String message, Duration retryAfter) {
        return new CoordinatorException(Kind.RESOURCE_EXHAUSTED, message, retryAfter);
    }

    public static CoordinatorException invalid(String message) {
        return new CoordinatorException(Kind.INVALID_ARGUMENT, message);
    }

    public static CoordinatorException notFound(String message) {
        return new CoordinatorException(Kind.NOT_FOUND, message);
    }

    public static CoordinatorException unavailable(String message) {
        return new CoordinatorException(Kind.UNAVAILABLE, message);
    }
}
