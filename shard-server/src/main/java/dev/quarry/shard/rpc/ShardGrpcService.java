package dev.quarry.shard.rpc;

import dev.quarry.proto.v1.AwaitAppliedRequest;
import dev.quarry.proto.v1.AwaitAppliedResponse;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.WriteResult;
import dev.quarry.shard.error.ShardException;
import dev.quarry.shard.index.WriteOutcome;
import dev.quarry.proto.v1.CopyCommitRequest;
import dev.quarry.proto.v1.FileChunk;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.SetFaultRequest;
import dev.quarry.proto.v1.SetFaultResponse;
import dev.quarry.proto.v1.ShardGetRequest;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.ShardServiceGrpc;
import dev.quarry.proto.v1.ShardStatsRequest;
import dev.quarry.proto.v1.ShardStatsResponse;
import dev.quarry.shard.replica.ReplicaRegistry;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/** Thin gRPC binding of {@code quarry.v1.ShardService} onto the replicas open on this node. */
public final class ShardGrpcService extends ShardServiceGrpc.ShardServiceImplBase {
    private final ReplicaRegistry replicas;
    private static final long DEFAULT_WAIT_MS = 10_000;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final FaultHook faults;

    public ShardGrpcService(ReplicaRegistry replicas, FaultHook faults) {
        this.replicas = replicas;
        this.faults = faults;
    }

    @Override
    public void query(ShardQueryRequest req, StreamObserver<ShardQueryResponse> out) {
        respond(out, () -> {
            long t0 = System.nanoTime();
            faults.beforeQuery(req.getIndex(), req.getShard());
            ShardQueryResponse r = replicas.require(req.getIndex(), req.getShard()).query(req, remainingMs());
            return r.toBuilder().setQueueSize(inFlight.get()).setServiceMicros((System.nanoTime() - t0) / 1000).build();
        });
    }

    @Override
    public void setFault(SetFaultRequest req, StreamObserver<SetFaultResponse> out) {
        respond(out, () -> {
            faults.setQueryDelayMs(req.getIndex(), req.getShard(), req.getQueryDelayMs());
            return SetFaultResponse.getDefaultInstance();
        });
    }

    @Override
    public void termStats(ShardQueryRequest req, StreamObserver<ScoringStats> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).termStats(req, remainingMs()));
    }

    @Override
    public void awaitApplied(AwaitAppliedRequest req, StreamObserver<AwaitAppliedResponse> out) {
        respond(out, () -> {
            WriteOutcome o = replicas.require(req.getIndex(), req.getShard())
                    .awaitApplied(req.getToken().getPartition(), req.getToken().getOffset(), remainingMs());
            if (o == null) {
                throw new ShardException(ShardException.Kind.DEADLINE_EXCEEDED, "write " + req.getToken().getPartition() + "@"
                        + req.getToken().getOffset() + " not applied on shard " + req.getIndex() + "/" + req.getShard() + " in time");
            }
            WriteResult result = switch (o) {
                case APPLIED -> WriteResult.APPLIED;
                case STALE -> WriteResult.STALE;
                case REJECTED -> WriteResult.REJECTED;
            };
            return AwaitAppliedResponse.newBuilder().setResult(result).build();
        });
    }

    @Override
    public void copyCommit(CopyCommitRequest req, StreamObserver<FileChunk> out) {
        try {
            replicas.require(req.getIndex(), req.getShard()).sendCommit(req.getMaxBytesPerSecond(), (ServerCallStreamObserver<FileChunk>) out);
            out.onCompleted();
        } catch (Throwable t) {
            out.onError(ShardErrors.toStatus(t));
        }
    }

    /** Time left before the caller's deadline (10 s when it set none). */
    private static long remainingMs() {
        Deadline d = Context.current().getDeadline();
        return d == null ? DEFAULT_WAIT_MS : Math.max(0, d.timeRemaining(TimeUnit.MILLISECONDS));
    }

    @Override
    public void get(ShardGetRequest req, StreamObserver<GetResponse> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).get(req.getId(), remainingMs()));
    }

    @Override
    public void stats(ShardStatsRequest req, StreamObserver<ShardStatsResponse> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).stats(!req.getSkipFingerprint()));
    }

    private <T> void respond(StreamObserver<T> out, Callable<T> call) {
        inFlight.incrementAndGet();
        T result;
        try {
            result = call.call();
        } catch (Throwable t) {
            out.onError(ShardErrors.toStatus(t));
            return;
        } finally {
            inFlight.decrementAndGet();
        }
        out.onNext(result);
        out.onCompleted();
    }
}
