package dev.quarry.coordinator.routing;

import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The coordinator's immutable view of where every index's shards can be served, derived from one
 * {@link ClusterState}. Only STARTED replicas on alive nodes are routable.
 */
public record RoutingTable(long stateVersion, long routingEpoch, Map<String, IndexRoute> indices) {
    public static final RoutingTable EMPTY = new RoutingTable(0, 0, Map.of());

    public RoutingTable {
        indices = Map.copyOf(indices);
    }

    public Optional<IndexRoute> index(String name) {
        return Optional.ofNullable(indices.get(name));
    }

    public static RoutingTable from(ClusterState state) {
        Map<String, IndexRoute> out = new TreeMap<>();
        for (IndexInfo idx : state.getIndicesMap().values()) {
            List<ShardRoute> shards = new ArrayList<>();
            for (ShardInfo s : idx.getShardsList()) {
                List<ReplicaRoute> replicas = new ArrayList<>();
                for (ReplicaInfo r : s.getReplicasList()) {
                    NodeInfo node = state.getNodesMap().get(r.getNodeId());
                    if (r.getState() == ReplicaState.STARTED && node != null && node.getAlive()) {
                        replicas.add(new ReplicaRoute(node.getId(), node.getAddress()));
                    }
                }
                shards.add(new ShardRoute(s.getId(), s.getPartitionsList(), replicas));
            }
            out.put(idx.getName(), new IndexRoute(idx.getName(), IndexSchema.parse(idx.getSchemaJson()), idx.getSchemaJson(), idx.getPartitions(), shards));
        }
        return new RoutingTable(state.getVersion(), state.getRoutingEpoch(), out);
    }
}
