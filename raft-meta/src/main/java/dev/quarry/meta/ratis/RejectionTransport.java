package dev.quarry.meta.ratis;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.error.MetaException.Kind;
import java.util.Optional;

/**
 * Carries a refusal from {@code startTransaction} on the leader back to the submitting peer with
 * its kind intact.
 *
 * <p>Why it exists: Ratis 3.2.1 sends a failed transaction's exception to the client as class name,
 * message and stack trace only, and rebuilds it on the client with the class's public
 * {@code (String)} constructor (falling back to a plain message if it has none). A
 * {@link MetaException} would arrive as text. So each refusal kind travels as its own tiny
 * exception class below, and {@link #unwrap} turns it back into a {@link MetaException} by type,
 * never by parsing a message. These classes are a wire format between raft-meta peers, not API.
 */
public final class RejectionTransport {
    private static final int MAX_CAUSE_DEPTH = 16;

    private RejectionTransport() {}

    /** The wire exception for a refusal. */
    static Exception encode(MetaException e) {
        String m = e.getMessage();
        return switch (e.kind()) {
            case INVALID_ARGUMENT -> new InvalidArgument(m);
            case ALREADY_EXISTS -> new AlreadyExists(m);
            case NOT_FOUND -> new NotFound(m);
            case FAILED_PRECONDITION -> new FailedPrecondition(m);
            case UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL -> new Internal(m);
        };
    }

    /** The refusal carried anywhere in {@code failure}'s cause chain, if any. */
    static Optional<MetaException> unwrap(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof MetaException me) {
                return Optional.of(me);
            }
            if (t instanceof Wire w) {
                return Optional.of(new MetaException(w.kind(), t.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** Base of the wire classes: stackless, since only kind and message matter. */
    abstract static class Wire extends Exception {
        private static final long serialVersionUID = 1L;

        Wire(String message) {
            super(message, null, false, false);
        }

        abstract Kind kind();
    }

    public static final class InvalidArgument extends Wire {
        private static final long serialVersionUID = 1L;

        public InvalidArgument(String message) {
            super(message);
        }

        @Override
        Kind kind() {
            return Kind.INVALID_ARGUMENT;
        }
    }

    public static final class AlreadyExists extends Wire {
        private static final long serialVersionUID = 1L;

        public AlreadyExists(String message) {
            super(message);
        }

        @Override
        Kind kind() {
            return Kind.ALREADY_EXISTS;
        }
    }

    public static final class NotFound extends Wire {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message);
        }

        @Override
        Kind kind() {
            return Kind.NOT_FOUND;
        }
    }

    public static final class FailedPrecondition extends Wire {
        private static final long serialVersionUID = 1L;

        public FailedPrecondition(String message) {
            super(message);
        }

        @Override
        Kind kind() {
            return Kind.FAILED_PRECONDITION;
        }
    }

    public static final class Internal extends Wire {
        private static final long serialVersionUID = 1L;

        public Internal(String message) {
            super(message);
        }

        @Override
        Kind kind() {
            return Kind.INTERNAL;
        }
    }
}
