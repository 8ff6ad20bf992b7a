package dev.quarry.shard.rpc;

import dev.quarry.proto.v1.AwaitAppliedRequest;
import dev.quarry.proto.v1.AwaitAppliedResponse;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.WriteResult;
import dev.quarry.shard.error.ShardException;
import dev.quarry.shard.index.WriteOutcome;
import dev.quarry.shard.replica.ShardReplica;
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
import dev.quarry.proto.v1.LocalSearchRequest;
import dev.quarry.proto.v1.LocalSearchResponse;
import dev.quarry.proto.v1.LocalShardResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Thin gRPC binding of {@code quarry.v1.ShardService} onto the replicas open on this node. */
public final class ShardGrpcService extends ShardServiceGrpc.ShardServiceImplBase {
    private final ReplicaRegistry replicas;
    private static final long DEFAULT_WAIT_MS = 10_000;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final FaultHook faults;
    /** SearchLocal's shard queries run on virtual threads (not pooled: nothing to shut down). */
    private final LocalSearch local = new LocalSearch(Executors.newVirtualThreadPerTaskExecutor());

    public ShardGrpcService(ReplicaRegistry replicas, FaultHook faults) {
        this.replicas = replicas;
        this.faults = faults;
    }

    @Override
    public void query(ShardQueryRequest req, StreamObserver<ShardQueryResponse> out) {
        respond(out, () -> {
            long t0 = System.nanoTime();
            ShardReplica replica = replicas.require(req.getIndex(), req.getShard());
            faults.beforeQuery(req.getIndex(), req.getShard());
            ShardQueryResponse r = replica.query(req, remainingMs(), t0);
            return r.toBuilder().setQueueSize(othersInFlight()).setServiceMicros((System.nanoTime() - t0) / 1000).build();
        });
    }

    /**
     * Answered when every shard has answered or its wait is over ({@link LocalSearch}); usually on
     * this thread, otherwise on the thread of the last shard or the deadline timer.
     */
    @Override
    public void searchLocal(LocalSearchRequest req, StreamObserver<LocalSearchResponse> out) {
        long t0 = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            if (req.getShardsCount() == 0) {
                throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "no shards listed");
            }
            String index = req.getQuery().getIndex();
            List<LocalSearch.Member> members = new ArrayList<>(req.getShardsCount());
            for (int shard : req.getShardsList()) {
                members.add(new LocalSearch.Member(shard, replicas.require(index, shard).searcher()));
            }
            local.start(members, req.getQuery(), req.getSumStats(), localWaitNanos(), shard -> faults.beforeQuery(index, shard), results -> {
                out.onNext(LocalSearchResponse.newBuilder().addAllShards(results).setQueueSize(inFlight.decrementAndGet())
                        .setServiceMicros((System.nanoTime() - t0) / 1000).build());
                out.onCompleted();
            });
        } catch (Throwable t) {
            inFlight.decrementAndGet();
            out.onError(ShardErrors.toStatus(t));
        }
    }

    /**
     * How long SearchLocal waits for its shards: until the caller's deadline less a margin (a tenth
     * of the time left, 1 to 200 ms), so that late shards are named in an answer that still arrives
     * in time. The answer for a late shard is sent by a timer thread while the request's thread may
     * still be inside that shard; with a margin of at most 20 ms it missed the deadline on a busy
     * machine (a GC pause alone takes 70-300 ms there), and the coordinator could only report the
     * whole call as late (ColocatedSearchIT failed once so in CI).
     */
    private static long localWaitNanos() {
        Deadline d = Context.current().getDeadline();
        long left = d == null ? TimeUnit.MILLISECONDS.toNanos(DEFAULT_WAIT_MS) : Math.max(0, d.timeRemaining(TimeUnit.NANOSECONDS));
        long margin = Math.min(TimeUnit.MILLISECONDS.toNanos(200), Math.max(TimeUnit.MILLISECONDS.toNanos(1), left / 10));
        return Math.max(0, left - margin);
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

    /**
     * The queue size a query reports: the other requests running on this node as its answer leaves
     * (C3 adds one for the request itself). Counting this one too made every answer report at least 1,
     * while statistics calls, which report nothing, stood for an idle replica.
     */
    private int othersInFlight() {
        return Math.max(0, inFlight.get() - 1);
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
