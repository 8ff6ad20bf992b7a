package dev.quarry.shard.error;

/** A request the shard server cannot serve; {@link #kind()} decides the gRPC status. */
public final class ShardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The classes of failure a caller can act on differently. */
    public enum Kind { INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, DEADLINE_EXCEEDED, FAILED_PRECONDITION }

    private final Kind kind;

    public ShardException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
