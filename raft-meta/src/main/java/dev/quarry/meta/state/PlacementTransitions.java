package dev.quarry.meta.state;

import static dev.quarry.meta.error.MetaException.failedPrecondition;
import static dev.quarry.meta.error.MetaException.invalidArgument;
import static dev.quarry.meta.error.MetaException.notFound;
import static dev.quarry.meta.state.StateTransitions.quote;

import dev.quarry.proto.v1.AddReplicaCommand;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.NodeDownCommand;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.RemoveReplicaCommand;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ScaleShardCommand;
import dev.quarry.proto.v1.ShardInfo;

/**
 * The transitions of the commands the leader decides on its own (pure, deterministic, like
 * {@link StateTransitions}, which dispatches to them):
 * <ul>
 *   <li>{@code NodeDown(id, incarnation)}: the node is marked not alive; refused unless it is alive
 *       with exactly that incarnation, so a late NodeDown can never fence a node that re-registered
 *       in the meantime. Routing epoch bumped.
 *   <li>{@code AddReplica(index, shard, node)}: a new {@code INITIALIZING} replica on an alive
 *       {@code SHARD} node that holds none of that shard (two replicas of one shard never share a
 *       node).
 *   <li>{@code RemoveReplica(index, shard, node)}: the replica is dropped; refused unless its node
 *       is down or the replica is {@code RETIRING}, so a live, routable copy is always retired
 *       (one routing epoch in which coordinators stop using it) before it disappears.
 *   <li>{@code ScaleShard(index, shard, extra)}: the number of replicas wanted on top of the index's
 *       count ({@code 0..MAX_REPLICAS - replicas}).
 * </ul>
 * Thread-safety: stateless.
 */
final class PlacementTransitions {
    private PlacementTransitions() {}

    static Transition nodeDown(ClusterState state, NodeDownCommand c) {
        NodeInfo node = state.getNodesMap().get(c.getId());
        if (node == null) {
            throw notFound("node " + quote(c.getId()) + " is not registered");
        }
        if (!node.getAlive() || node.getIncarnation() != c.getIncarnation()) {
            throw failedPrecondition("node " + quote(c.getId()) + " incarnation " + c.getIncarnation()
                    + " is not the live one (current " + node.getIncarnation() + ", alive " + node.getAlive() + ")");
        }
        ClusterState next = state.toBuilder().putNodes(node.getId(), node.toBuilder().setAlive(false).build()).build();
        return StateTransitions.finishWithoutFill(state, next, true);
    }

    static Transition addReplica(ClusterState state, AddReplicaCommand c) {
        Located at = locate(state, c.getIndex(), c.getShard());
        NodeInfo node = state.getNodesMap().get(c.getNodeId());
        if (node == null || !node.getAlive() || node.getRole() != NodeRole.SHARD) {
            throw failedPrecondition("node " + quote(c.getNodeId()) + " is not an alive shard node");
        }
        if (replicaPosition(at.shard(), c.getNodeId()) >= 0) {
            throw failedPrecondition("node " + quote(c.getNodeId()) + " already holds a replica of index "
                    + quote(c.getIndex()) + " shard " + c.getShard());
        }
        if (at.shard().getReplicasCount() >= 2 * StateTransitions.MAX_REPLICAS) {
            throw failedPrecondition("shard " + c.getShard() + " of " + quote(c.getIndex()) + " has too many replicas");
        }
        ShardInfo shard = at.shard().toBuilder()
                .addReplicas(ReplicaInfo.newBuilder().setNodeId(c.getNodeId()).setState(ReplicaState.INITIALIZING))
                .build();
        return StateTransitions.finishWithoutFill(state, at.with(state, shard), true);
    }

    static Transition removeReplica(ClusterState state, RemoveReplicaCommand c) {
        Located at = locate(state, c.getIndex(), c.getShard());
        int pos = replicaPosition(at.shard(), c.getNodeId());
        if (pos < 0) {
            throw notFound("node " + quote(c.getNodeId()) + " holds no replica of index " + quote(c.getIndex())
                    + " shard " + c.getShard());
        }
        NodeInfo node = state.getNodesMap().get(c.getNodeId());
        boolean nodeDown = node == null || !node.getAlive();
        if (!nodeDown && at.shard().getReplicas(pos).getState() != ReplicaState.RETIRING) {
            throw failedPrecondition("the replica of index " + quote(c.getIndex()) + " shard " + c.getShard()
                    + " on live node " + quote(c.getNodeId()) + " must be RETIRING before it is removed");
        }
        ShardInfo shard = at.shard().toBuilder().removeReplicas(pos).build();
        return StateTransitions.finishWithoutFill(state, at.with(state, shard), true);
    }

    static Transition scaleShard(ClusterState state, ScaleShardCommand c) {
        Located at = locate(state, c.getIndex(), c.getShard());
        int max = StateTransitions.MAX_REPLICAS - at.index().getReplicas();
        if (c.getExtraReplicas() < 0 || c.getExtraReplicas() > max) {
            throw invalidArgument("extra_replicas must be between 0 and " + max + ", got " + c.getExtraReplicas());
        }
        if (at.shard().getExtraReplicas() == c.getExtraReplicas()) {
            return StateTransitions.finishWithoutFill(state, state, false);
        }
        ShardInfo shard = at.shard().toBuilder().setExtraReplicas(c.getExtraReplicas()).build();
        return StateTransitions.finishWithoutFill(state, at.with(state, shard), false);
    }

    /** An index and the position of one of its shards. */
    private record Located(IndexInfo index, int shardPos) {
        ShardInfo shard() {
            return index.getShards(shardPos);
        }

        ClusterState with(ClusterState state, ShardInfo shard) {
            IndexInfo updated = index.toBuilder().setShards(shardPos, shard).build();
            return state.toBuilder().putIndices(updated.getName(), updated).build();
        }
    }

    private static Located locate(ClusterState state, String indexName, int shardId) {
        IndexInfo index = state.getIndicesMap().get(indexName);
        if (index == null) {
            throw notFound("index " + quote(indexName) + " does not exist");
        }
        int pos = StateTransitions.shardPosition(index, shardId);
        if (pos < 0) {
            throw notFound("index " + quote(indexName) + " has no shard " + shardId);
        }
        return new Located(index, pos);
    }

    private static int replicaPosition(ShardInfo shard, String nodeId) {
        for (int r = 0; r < shard.getReplicasCount(); r++) {
            if (shard.getReplicas(r).getNodeId().equals(nodeId)) {
                return r;
            }
        }
        return -1;
    }
}
