package dev.quarry.coordinator.error;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's one error boundary. Domain exceptions map to their status with their message;
 * a status from a downstream service keeps its code and message; anything else is logged once here
 * and leaves as INTERNAL with no details — never a stack trace or a class name on the wire. A refusal
 * with a retry hint carries it as the {@link #RETRY_AFTER_MS} trailer.
 */
public final class StatusMapper {
    private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

    /** Trailer of a refusal that knows when a retry could succeed: whole milliseconds, decimal. */
    public static final Metadata.Key<String> RETRY_AFTER_MS = Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

    private StatusMapper() {}

    public static StatusRuntimeException toStatus(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof CoordinatorException e) {
            Status status = statusOf(e.kind()).withDescription(e.getMessage());
            if (e.retryAfter().isEmpty()) {
                return status.asRuntimeException();
            }
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER_MS, Long.toString(e.retryAfter().get().toMillis()));
            return status.asRuntimeException(trailers);
        }
        if (cause instanceof StatusRuntimeException s) {
            return Status.fromCode(s.getStatus().getCode()).withDescription(s.getStatus().getDescription()).asRuntimeException();
        }
        log.error("request failed", cause);
        return Status.INTERNAL.withDescription("internal error in the coordinator; see its log").asRuntimeException();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static Status statusOf(CoordinatorException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
        };
    }
}
