package dev.quarry.meta.alloc;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places missing replicas. Algorithm: for every index (by name) and shard (by id) with fewer
 * replicas than the index asks for, put each missing replica on the alive {@code SHARD} node that
 * does not hold a replica of that shard yet and holds the fewest replicas overall (ties: smallest
 * node id); new replicas start {@code INITIALIZING}. If no such node exists the shard stays
 * under-replicated until a node registers.
 *
 * <p>Deterministic (sorted iteration, no clock, no randomness) because it runs inside the state
 * transition on every peer, which must all compute the same placement. Placements are never
 * moved or removed here; replacing replicas of dead nodes and adding replicas to hot shards is a
 * leader-side decision for later.
 */
public final class ReplicaAllocator {
    private ReplicaAllocator() {}

    /** Returns the state with under-replicated shards filled; the same instance if nothing changed. */
    public static ClusterState fill(ClusterState state) {
        List<String> eligible = state.getNodesMap().values().stream()
                .filter(n -> n.getAlive() && n.getRole() == NodeRole.SHARD)
                .map(NodeInfo::getId)
                .sorted()
                .toList();
        if (eligible.isEmpty()) {
            return state;
        }
        Map<String, Integer> load = loadByNode(state);
        ClusterState.Builder builder = null;
        for (String name : state.getIndicesMap().keySet().stream().sorted().toList()) {
            IndexInfo index = state.getIndicesMap().get(name);
            IndexInfo.Builder indexBuilder = null;
            for (int s = 0; s < index.getShardsCount(); s++) {
                ShardInfo shard = index.getShards(s);
                int missing = index.getReplicas() - shard.getReplicasCount();
                if (missing <= 0) {
                    continue;
                }
                Set<String> holders = new HashSet<>();
                shard.getReplicasList().forEach(r -> holders.add(r.getNodeId()));
                ShardInfo.Builder shardBuilder = null;
                for (; missing > 0; missing--) {
                    String target = pick(eligible, holders, load);
                    if (target == null) {
                        break;
                    }
                    if (shardBuilder == null) {
                        shardBuilder = shard.toBuilder();
                    }
                    shardBuilder.addReplicas(ReplicaInfo.newBuilder()
                            .setNodeId(target)
                            .setState(ReplicaState.INITIALIZING));
                    holders.add(target);
                    load.merge(target, 1, Integer::sum);
                }
                if (shardBuilder != null) {
                    if (indexBuilder == null) {
                        indexBuilder = index.toBuilder();
                    }
                    indexBuilder.setShards(s, shardBuilder);
                }
            }
            if (indexBuilder != null) {
                if (builder == null) {
                    builder = state.toBuilder();
                }
                builder.putIndices(name, indexBuilder.build());
            }
        }
        return builder == null ? state : builder.build();
    }

    /** The eligible node with the fewest replicas that is not among {@code holders}; null if none. */
    static String pick(List<String> eligibleSortedById, Set<String> holders, Map<String, Integer> load) {
        String best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (String id : eligibleSortedById) {
            if (holders.contains(id)) {
                continue;
            }
            int l = load.getOrDefault(id, 0);
            if (l < bestLoad) { // strict: on a tie the earlier (smaller) id stays
                best = id;
                bestLoad = l;
            }
        }
        return best;
    }

    static Map<String, Integer> loadByNode(ClusterState state) {
        Map<String, Integer> load = new HashMap<>();
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                for (ReplicaInfo replica : shard.getReplicasList()) {
                    load.merge(replica.getNodeId(), 1, Integer::sum);
                }
            }
        }
        return load;
    }
}
