package dev.quarry.meta.server;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.error.MetaStatusMapper;
import dev.quarry.meta.liveness.LeaseTable;
import dev.quarry.meta.ratis.MetaPeer;
import dev.quarry.meta.ratis.PeerAddress;
import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatResponse;
import dev.quarry.proto.v1.HeartbeatVerdict;
import dev.quarry.proto.v1.MetaPeerStatus;
import dev.quarry.proto.v1.MetaStatusRequest;
import dev.quarry.proto.v1.MetaStatusResponse;
import dev.quarry.proto.v1.NodeInfo;
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
 *   <li>{@code Heartbeat}: on the ready leader, renews the node's lease in the {@link LeaseTable}
 *       (memory only) or answers {@code REREGISTER} for a fenced incarnation; elsewhere
 *       {@code UNAVAILABLE} naming the leader, so the client moves to another peer.
 *   <li>{@code MetaStatus}: this peer's Raft view (leader, term, peers).
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
    private final LeaseTable leases;
    private final Duration requestTimeout;

    MetaGrpcService(MetaPeer peer, WatchHub watchHub, LeaseTable leases, Duration requestTimeout) {
        this.peer = peer;
        this.leases = leases;
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
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> responseObserver) {
        if (!peer.isLeaderReady()) {
            String hint = peer.leaderId().map(id -> "; the leader is " + id).orElse("; no leader is known yet");
            responseObserver.onError(MetaStatusMapper.toStatusException(MetaException.unavailable(
                    "meta peer " + peer.nodeId() + " is not the leader" + hint + ": send heartbeats to another peer",
                    null)));
            return;
        }
        HeartbeatVerdict verdict = leases.heartbeat(peer.current(), request);
        if (verdict == HeartbeatVerdict.HEARTBEAT_VERDICT_UNSPECIFIED) {
            responseObserver.onError(MetaStatusMapper.toStatusException(MetaException.unavailable(
                    "the leader has not applied incarnation " + request.getIncarnation() + " of node "
                            + request.getNodeId() + " yet; retry", null)));
            return;
        }
        NodeInfo node = peer.current().getNodesMap().get(request.getNodeId());
        responseObserver.onNext(HeartbeatResponse.newBuilder()
                .setVerdict(verdict)
                .setLeaseMillis(leases.leaseMillis())
                .setCurrentIncarnation(node == null ? 0 : node.getIncarnation())
                .setLeaderId(peer.nodeId())
                .build());
        responseObserver.onCompleted();
    }

    @Override
    public void metaStatus(MetaStatusRequest request, StreamObserver<MetaStatusResponse> responseObserver) {
        String leader = peer.leaderId().orElse("");
        MetaStatusResponse.Builder out = MetaStatusResponse.newBuilder()
                .setLeaderId(leader)
                .setTerm(peer.term())
                .setResponderId(peer.nodeId())
                .setAppliedVersion(peer.current().getVersion());
        for (PeerAddress p : peer.peers()) {
            out.addPeers(MetaPeerStatus.newBuilder().setId(p.id()).setRaftAddress(p.address()).setLeader(p.id().equals(leader)));
        }
        responseObserver.onNext(out.build());
        responseObserver.onCompleted();
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
