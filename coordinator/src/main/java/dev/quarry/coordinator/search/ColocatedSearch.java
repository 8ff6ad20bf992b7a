package dev.quarry.coordinator.search;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.FanOut;
import dev.quarry.coordinator.fanout.ShardResult;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.proto.v1.LocalSearchRequest;
import dev.quarry.proto.v1.LocalSearchResponse;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The colocated path of a search: when some nodes hold a routable replica of every shard of the
 * index, one of them answers the whole search in one call ({@code ShardService/SearchLocal}: each
 * shard's statistics from its newest searcher, summed for GLOBAL scoring, then every shard's query
 * on those same searchers), instead of one call per shard and phase. The ranking is therefore the
 * same as on the per-shard path. The host is chosen among those nodes like a replica among a
 * shard's replicas ({@link FanOut}: C3 ranking, hedging after the recent p95, retry on the next
 * host, breaker), under the pseudo shard {@link #ALL_SHARDS}.
 * Thread-safety: stateless apart from the thread-safe {@link FanOut}.
 */
final class ColocatedSearch {
    /** The pseudo shard id under which hosts are ranked and their latency recorded. */
    static final int ALL_SHARDS = -1;

    private final FanOut fanOut;

    ColocatedSearch(FanOut fanOut) {
        this.fanOut = fanOut;
    }

    /** The nodes that hold a routable replica of every shard of {@code index}, in the first shard's order. */
    static List<ReplicaRoute> hosts(IndexRoute index) {
        Map<String, ReplicaRoute> hosts = new LinkedHashMap<>();
        for (ReplicaRoute r : index.shards().get(0).replicas()) {
            hosts.put(r.nodeId(), r);
        }
        for (ShardRoute s : index.shards()) {
            hosts.keySet().retainAll(s.replicas().stream().map(ReplicaRoute::nodeId).toList());
        }
        return List.copyOf(hosts.values());
    }

    /**
     * One result per shard in index order, or null when this path cannot answer (no host holds
     * every shard, or the hosts failed in a way another replica might not): the caller then takes
     * the per-shard path. A shard that was late is a DEADLINE_EXCEEDED failure; an invalid query throws.
     */
    List<ShardResult<ShardQueryResponse>> run(IndexRoute index, ShardQueryRequest template, boolean sumStats, Deadline deadline) {
        List<ReplicaRoute> hosts = hosts(index);
        if (hosts.isEmpty()) {
            return null;
        }
        LocalSearchRequest.Builder req = LocalSearchRequest.newBuilder().setQuery(template).setSumStats(sumStats);
        index.shards().forEach(s -> req.addShards(s.shard()));
        LocalSearchRequest request = req.build();
        ShardRoute all = new ShardRoute(ALL_SHARDS, List.of(), hosts);
        ShardResult<LocalSearchResponse> r = fanOut.call(index.name(), List.of(FanOut.Target.any(all)),
                (stub, shard, replica) -> stub.searchLocal(request),
                resp -> FanOut.Feedback.measured(resp.getServiceMicros(), resp.getQueueSize(), 0, 0), deadline).get(0);
        return switch (r) {
            case ShardResult.Failure<LocalSearchResponse> f -> whole(f, index);
            case ShardResult.Answer<LocalSearchResponse> a -> perShard(a);
        };
    }

    private static List<ShardResult<ShardQueryResponse>> whole(ShardResult.Failure<LocalSearchResponse> f, IndexRoute index) {
        Status.Code code = f.status().getCode();
        if (code == Status.Code.INVALID_ARGUMENT) {
            throw CoordinatorException.invalid(f.status().getDescription());
        }
        if (code != Status.Code.DEADLINE_EXCEEDED) {
            return null;
        }
        List<ShardResult<ShardQueryResponse>> out = new ArrayList<>();
        for (ShardRoute s : index.shards()) {
            out.add(new ShardResult.Failure<>(s.shard(), f.node(), f.status()));
        }
        return out;
    }

    private static List<ShardResult<ShardQueryResponse>> perShard(ShardResult.Answer<LocalSearchResponse> a) {
        List<ShardResult<ShardQueryResponse>> out = new ArrayList<>();
        for (LocalShardResult s : a.response().getShardsList()) {
            Status status = Status.fromCodeValue(s.getStatusCode()).withDescription(s.getStatusMessage());
            switch (status.getCode()) {
                case OK -> out.add(new ShardResult.Answer<>(s.getShard(), a.node(), s.getResponse()));
                case DEADLINE_EXCEEDED, INVALID_ARGUMENT -> out.add(new ShardResult.Failure<>(s.getShard(), a.node(), status));
                default -> {
                    return null; // e.g. a replica that closed meanwhile: the per-shard path can use another one
                }
            }
        }
        return out;
    }
}
