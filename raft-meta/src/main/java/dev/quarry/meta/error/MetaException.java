package dev.quarry.meta.error;

import java.util.Objects;

/**
 * The one exception type of raft-meta: state transitions throw it to reject a command and the
 * server maps it to a gRPC status ({@link MetaStatusMapper}). Other modules talk to raft-meta
 * through {@code dev.quarry.common.meta.MetaClient}, which hands them that status; they branch on
 * its code, never on message text.
 *
 * <p>The message is meant for a user: it names the index, node or value at fault and, where it
 * helps, what to do. It never carries a class name or a stack trace across the wire.
 */
public final class MetaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong; each kind maps to exactly one gRPC status code. */
    public enum Kind {
        /** The command itself is malformed (bad name, bad counts); retrying cannot help. */
        INVALID_ARGUMENT,
        /** The thing to create exists already. */
        ALREADY_EXISTS,
        /** The index, shard or node named does not exist. */
        NOT_FOUND,
        /** The command is well formed but the cluster state forbids it now (e.g. stale incarnation). */
        FAILED_PRECONDITION,
        /** No quorum / leader reachable, or the server is shutting down; retry later or elsewhere. */
        UNAVAILABLE,
        /** The call ran out of time; the command may or may not have been applied. */
        DEADLINE_EXCEEDED,
        /** A bug or an unexpected failure; details are in the server log, not here. */
        INTERNAL
    }

    private final Kind kind;

    public MetaException(Kind kind, String message) {
        this(kind, message, null);
    }

    public MetaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    public static MetaException invalidArgument(String message) {
        return new MetaException(Kind.INVALID_ARGUMENT, message);
    }

    public static MetaException alreadyExists(String message) {
        return new MetaException(Kind.ALREADY_EXISTS, message);
    }

    public static MetaException notFound(String message) {
        return new MetaException(Kind.NOT_FOUND, message);
    }

    public static MetaException failedPrecondition(String message) {
        return new MetaException(Kind.FAILED_PRECONDITION, message);
    }

    public static MetaException unavailable(String message, Throwable cause) {
        return new MetaException(Kind.UNAVAILABLE, message, cause);
    }

    @Override
    public String toString() {
        return "MetaException[" + kind + "]: " + getMessage();
    }
}
