package dev.quarry.coordinator.fanout;

import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.proto.v1.ShardServiceGrpc.ShardServiceBlockingStub;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends one call to every shard of an index, one replica per shard, in parallel, under the
 * caller's deadline. Replicas are taken in rotation; when one fails with a retryable status the
 * next replica of that shard is tried while the deadline allows.
 * Thread-safety: safe for concurrent use (rotation counters are atomic).
 */
public final class FanOut {
    private final ShardChannels channels;
    private final ExecutorService executor;
    private final Map<String, AtomicInteger> rotation = new ConcurrentHashMap<>();

    /** One shard call: the stub (deadline already set) and the shard number. */
    @FunctionalInterface
    public interface ShardCall<T> {
        T call(ShardServiceBlockingStub stub, int shard);
    }

    public FanOut(ShardChannels channels, ExecutorService executor) {
        this.channels = channels;
        this.executor = executor;
    }

    /** Results in shard order, one per shard. */
    public <T> List<ShardResult<T>> call(IndexRoute index, ShardCall<T> call, Deadline deadline) {
        List<Future<ShardResult<T>>> futures = new ArrayList<>();
        for (ShardRoute shard : index.shards()) {
            futures.add(executor.submit(() -> callShard(index.name(), shard, call, deadline)));
        }
        List<ShardResult<T>> results = new ArrayList<>(futures.size());
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(f -> f.cancel(true));
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            } catch (ExecutionException e) {
                results.add(new ShardResult.Failure<>(index.shards().get(i).shard(), "", Status.INTERNAL.withDescription("fan-out failed")));
            }
        }
        return results;
    }

    private <T> ShardResult<T> callShard(String index, ShardRoute shard, ShardCall<T> call, Deadline deadline) {
        List<ReplicaRoute> replicas = shard.replicas();
        if (replicas.isEmpty()) {
            return new ShardResult.Failure<>(shard.shard(), "", Status.UNAVAILABLE.withDescription("no started replica"));
        }
        int start = Math.floorMod(rotation.computeIfAbsent(index + "/" + shard.shard(), k -> new AtomicInteger()).getAndIncrement(), replicas.size());
        ShardResult.Failure<T> last = null;
        for (int i = 0; i < replicas.size() && !deadline.isExpired(); i++) {
            ReplicaRoute r = replicas.get((start + i) % replicas.size());
            try {
                return new ShardResult.Answer<>(shard.shard(), r.nodeId(), call.call(channels.stub(r.address()).withDeadline(deadline), shard.shard()));
            } catch (StatusRuntimeException e) {
                last = new ShardResult.Failure<>(shard.shard(), r.nodeId(), e.getStatus());
                if (!retryable(e.getStatus())) {
                    break;
                }
            }
        }
        return last != null ? last : new ShardResult.Failure<>(shard.shard(), "", Status.DEADLINE_EXCEEDED.withDescription("deadline expired before the shard was asked"));
    }

    private static boolean retryable(Status s) {
        return s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.INTERNAL || s.getCode() == Status.Code.UNKNOWN;
    }
}
