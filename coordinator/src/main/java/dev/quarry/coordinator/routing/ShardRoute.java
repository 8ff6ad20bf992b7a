package dev.quarry.coordinator.routing;

import java.util.List;

/** One shard: its partitions and the replicas that may serve it now. */
public record ShardRoute(int shard, List<Integer> partitions, List<ReplicaRoute> replicas) {
    public ShardRoute {
        partitions = List.copyOf(partitions);
        replicas = List.copyOf(replicas);
    }
}
