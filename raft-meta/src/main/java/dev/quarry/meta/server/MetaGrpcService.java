package dev.quarry.meta.server;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.error.MetaStatusMapper;
import dev.quarry.meta.ratis.MetaPeer;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.GetStateRequest;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.MetaServiceGrpc;
import dev.quarry.proto.v1.WatchRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin gRPC binding of {@code MetaService} over one {@link MetaPeer}:
 * <ul>
 *   <li>{@code GetState}: the local state (with its version), or with {@code linearizable=true} a
 *       read through the leader's read-index.
 *   <li>{@code Submit}: replicated through the peer's Ratis client, which follows the leader.
 *   <li>{@code Watch}: handed to the {@link WatchHub}.
 * </ul>
 * Failures go through {@link MetaStatusMapper} only: a status code and a message a user can act
 * on; unexpected failures are logged here, once, and reach the client as a generic INTERNAL.
 *
 * <p>Thread-safety: stateless apart from final references to thread-safe collaborators.
 */
final class MetaGrpcService extends MetaServiceGrpc.MetaServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(MetaGrpcService.class);

    private final MetaPeer peer;
    private final WatchHub watchHub;
    private final Duration requestTimeout;

    MetaGrpcService(MetaPeer peer, WatchHub watchHub, Duration requestTimeout) {
        this.peer = peer;
        this.watchHub = watchHub;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public void getState(GetStateRequest request, StreamObserver<ClusterState> responseObserver) {
        CompletableFuture<ClusterState> state = request.getLinearizable()
                ? peer.readLinearizable(timeout())
                : CompletableFuture.completedFuture(peer.current());
        complete(state, responseObserver, "GetState");
    }

    @Override
    public void submit(MetaCommand request, StreamObserver<MetaCommandResponse> responseObserver) {
        complete(peer.submit(request, timeout()), responseObserver, "Submit " + request.getCommandCase());
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<ClusterState> responseObserver) {
        watchHub.subscribe(request.getSinceVersion(), (ServerCallStreamObserver<ClusterState>) responseObserver);
    }

    /** The caller's deadline if it is shorter than the configured request timeout. */
    private Duration timeout() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return requestTimeout;
        }
        long remaining = Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS));
        return Duration.ofMillis(Math.min(remaining, requestTimeout.toMillis()));
    }

    private <T> void complete(CompletableFuture<T> future, StreamObserver<T> observer, String what) {
        ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) observer;
        future.whenComplete((value, failure) -> {
            if (call.isCancelled()) {
                return;
            }
            try {
                if (failure == null) {
                    call.onNext(value);
                    call.onCompleted();
                } else {
                    MetaException e = MetaStatusMapper.classify(failure);
                    if (e.kind() == MetaException.Kind.INTERNAL) {
                        LOG.error("{} on meta peer {} failed", what, peer.nodeId(), failure);
                    } else {
                        LOG.debug("{} on meta peer {} refused: {} {}", what, peer.nodeId(), e.kind(), e.getMessage());
                    }
                    call.onError(MetaStatusMapper.toStatusException(e));
                }
            } catch (RuntimeException e) {
                LOG.debug("{}: the call ended before the reply could be sent", what, e);
            }
        });
    }
}
