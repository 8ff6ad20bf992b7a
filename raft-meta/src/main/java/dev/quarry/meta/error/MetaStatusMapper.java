package dev.quarry.meta.error;

import dev.quarry.meta.error.MetaException.Kind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;

/**
 * The single error boundary of raft-meta: turns any failure into a {@link MetaException} with a
 * user-actionable message, and that into a gRPC {@link Status} (server side), or a received status
 * back into a {@link MetaException} (client side).
 *
 * <p>Classification walks the cause chain, because Ratis wraps a rejection from
 * {@code startTransaction} in a {@link StateMachineException} and futures wrap everything in
 * {@code CompletionException}s: a {@link MetaException} anywhere in the chain wins; otherwise a
 * state machine failure is {@code INTERNAL}, a timeout is {@code DEADLINE_EXCEEDED}, any other I/O
 * or Ratis failure (no leader, closed, retries exhausted) is {@code UNAVAILABLE}, the rest
 * {@code INTERNAL}. Messages of unexpected exceptions never reach the wire.
 */
public final class MetaStatusMapper {
    /** Bounds the cause-chain walk (chains can be cyclic in pathological cases). */
    private static final int MAX_CAUSE_DEPTH = 16;

    static final String UNAVAILABLE_MESSAGE =
            "the metadata quorum is unavailable (no leader reachable or election in progress); retry shortly";
    static final String DEADLINE_MESSAGE =
            "the metadata service did not answer in time; the command may still be applied,"
                    + " so read the state before retrying";
    static final String INTERNAL_MESSAGE = "internal error in the metadata service; see the raft-meta log";

    private MetaStatusMapper() {}

    /** Classifies any failure; never returns null. */
    public static MetaException classify(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof MetaException me) {
                return me;
            }
            if (t instanceof StatusRuntimeException sre) {
                return fromStatus(sre);
            }
        }
        t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof StateMachineException) {
                return new MetaException(Kind.INTERNAL, INTERNAL_MESSAGE, failure);
            }
            if (t instanceof TimeoutException || t instanceof TimeoutIOException) {
                return new MetaException(Kind.DEADLINE_EXCEEDED, DEADLINE_MESSAGE, failure);
            }
            if (t instanceof IOException) {
                return new MetaException(Kind.UNAVAILABLE, UNAVAILABLE_MESSAGE, failure);
            }
        }
        return new MetaException(Kind.INTERNAL, INTERNAL_MESSAGE, failure);
    }

    /** The status for a failure: code from the kind, description from the user-facing message only. */
    public static Status toStatus(Throwable failure) {
        MetaException e = classify(failure);
        return codeOf(e.kind()).toStatus().withDescription(e.getMessage());
    }

    public static StatusRuntimeException toStatusException(Throwable failure) {
        return toStatus(failure).asRuntimeException();
    }

    public static Status.Code codeOf(Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
            case INTERNAL -> Status.Code.INTERNAL;
        };
    }

    /** Client side: the exception a received status stands for. */
    public static MetaException fromStatus(StatusRuntimeException e) {
        Status status = e.getStatus();
        Kind kind = switch (status.getCode()) {
            case INVALID_ARGUMENT -> Kind.INVALID_ARGUMENT;
            case ALREADY_EXISTS -> Kind.ALREADY_EXISTS;
            case NOT_FOUND -> Kind.NOT_FOUND;
            case FAILED_PRECONDITION -> Kind.FAILED_PRECONDITION;
            case UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> Kind.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Kind.DEADLINE_EXCEEDED;
            default -> Kind.INTERNAL;
        };
        String description = status.getDescription();
        String message = description != null && !description.isBlank()
                ? description
                : "metadata call failed with " + status.getCode();
        return new MetaException(kind, message, e);
    }
}
