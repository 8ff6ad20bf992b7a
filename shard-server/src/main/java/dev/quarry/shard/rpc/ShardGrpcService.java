package dev.quarry.shard.rpc;

import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.ScoringStats;
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
    private final AtomicInteger inFlight = new AtomicInteger();

    public ShardGrpcService(ReplicaRegistry replicas) {
        this.replicas = replicas;
    }

    @Override
    public void query(ShardQueryRequest req, StreamObserver<ShardQueryResponse> out) {
        respond(out, () -> {
            long t0 = System.nanoTime();
            ShardQueryResponse r = replicas.require(req.getIndex(), req.getShard()).query(req);
            return r.toBuilder().setQueueSize(inFlight.get()).setServiceMicros((System.nanoTime() - t0) / 1000).build();
        });
    }

    @Override
    public void termStats(ShardQueryRequest req, StreamObserver<ScoringStats> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).termStats(req));
    }

    @Override
    public void get(ShardGetRequest req, StreamObserver<GetResponse> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).get(req.getId()));
    }

    @Override
    public void stats(ShardStatsRequest req, StreamObserver<ShardStatsResponse> out) {
        respond(out, () -> replicas.require(req.getIndex(), req.getShard()).stats());
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
