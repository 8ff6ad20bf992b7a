package dev.quarry.shard.rpc;

import dev.quarry.shard.error.ShardException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard server's one error boundary: domain exceptions become their status with the message;
 * an interrupted request (the server is shutting down: its request threads are interrupted) is
 * UNAVAILABLE, so the caller tries another replica; anything else is logged here, once, and leaves
 * as INTERNAL without details.
 */
public final class ShardErrors {
    private static final Logger log = LoggerFactory.getLogger(ShardErrors.class);

    private ShardErrors() {}

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof ShardException e) {
            Status status = switch (e.kind()) {
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            };
            return status.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            log.debug("shard request interrupted (shutting down)");
            return Status.UNAVAILABLE.withDescription("the shard server is shutting down; try another replica").asRuntimeException();
        }
        log.error("shard request failed", t);
        return Status.INTERNAL.withDescription("internal error on the shard server; see its log").asRuntimeException();
    }
}
