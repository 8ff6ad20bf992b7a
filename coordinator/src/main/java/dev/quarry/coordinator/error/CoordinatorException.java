package dev.quarry.coordinator.error;

/** A request the coordinator refuses or cannot complete; {@link #kind()} decides the gRPC status. */
public final class CoordinatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Failure classes, one per gRPC status a client should handle differently. */
    public enum Kind { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, UNAVAILABLE, UNIMPLEMENTED }

    private final Kind kind;

    public CoordinatorException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
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
