package dev.quarry.shard.node;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.BooleanSupplier;

/**
 * Refuses every shard RPC with {@code UNAVAILABLE} while the node is fenced: raft-meta declared
 * its incarnation dead (lease expired), so until it has registered again under a new incarnation
 * it must not serve, and coordinators try another replica.
 *
 * <p>Thread-safety: stateless; the supplier must be safe to call from any gRPC thread.
 */
final class FencingInterceptor implements ServerInterceptor {
    private final BooleanSupplier fenced;
    private final String nodeId;

    FencingInterceptor(BooleanSupplier fenced, String nodeId) {
        this.fenced = fenced;
        this.nodeId = nodeId;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (fenced.getAsBoolean()) {
            call.close(Status.UNAVAILABLE.withDescription("shard server " + nodeId
                    + " is re-registering with the metadata service (its lease expired); try another replica"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }
}
