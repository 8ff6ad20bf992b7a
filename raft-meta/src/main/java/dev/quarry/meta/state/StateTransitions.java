package dev.quarry.meta.state;

import static dev.quarry.meta.error.MetaException.alreadyExists;
import static dev.quarry.meta.error.MetaException.failedPrecondition;
import static dev.quarry.meta.error.MetaException.invalidArgument;
import static dev.quarry.meta.error.MetaException.notFound;

import dev.quarry.meta.alloc.ReplicaAllocator;
import dev.quarry.meta.error.MetaException;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.CreateIndexCommand;
import dev.quarry.proto.v1.DeleteIndexCommand;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.RegisterNodeCommand;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.SetReplicaStateCommand;
import dev.quarry.proto.v1.ShardInfo;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The cluster state machine as a pure function: {@code apply(state, command)} returns the next
 * state, or throws a {@link MetaException} and leaves nothing changed. Every peer applies the same
 * commands to the same states in the same order, so everything here is deterministic (no clock,
 * no randomness, maps iterated in sorted key order).
 *
 * <p>Legal transitions, one per command:
 * <ul>
 *   <li>{@code CreateIndex}: a new index whose shard {@code i} owns the partition range
 *       {@code [i*P/S, (i+1)*P/S)}; replicas placed at once where nodes allow.
 *   <li>{@code DeleteIndex}: the index and its placements are removed.
 *   <li>{@code RegisterNode}: the node is added or updated (address, role), marked alive, and its
 *       incarnation becomes the previous one plus one (1 when new). Its replicas that were
 *       {@code RECOVERING} or {@code STARTED} fall back to {@code INITIALIZING}: they were opened by
 *       the previous incarnation, so the restarted process must report them again before they are
 *       routed to. Changing the role of a node that holds replicas is refused.
 *   <li>{@code SetReplicaState}: one replica changes state, if the caller's incarnation is current
 *       and the node is not marked down (0 skips both checks: leader and admin use).
 *   <li>{@code NodeDown}, {@code AddReplica}, {@code RemoveReplica}, {@code ScaleShard}: decided by
 *       the leader (lease expiry, {@code AllocationPlanner}, {@code HotShardDetector}) and applied
 *       by {@link PlacementTransitions}.
 * </ul>
 * After the four node/index commands above the deterministic initial placement fills
 * under-replicated shards ({@link ReplicaAllocator#fill}), so that a new index, or a cluster whose
 * first shard node just registered, is routable with no extra round trip. That fill only ever adds
 * replicas to free slots; every decision that depends on liveness, load or balance (replacing lost
 * replicas, hot-shard replicas, moves) is taken by the allocator on the leader and arrives here as
 * an explicit command, and those commands do not trigger the fill. {@code version} grows by one per
 * accepted command, and {@code routing_epoch} by one when a placement, a replica state, or the
 * address/liveness of a node changed.
 */
public final class StateTransitions {
    /** Index names double as Kafka topic parts ({@code quarry.<index>.docs}), hence the charset. */
    public static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Far above any sensible layout (default 16); bounds the size of one index in the state. */
    public static final int MAX_PARTITIONS = 4096;
    /** More copies than this cannot help a search cluster and would bloat every routing table. */
    public static final int MAX_REPLICAS = 32;
    /** The schema travels in every state snapshot and Watch message; keep it small. */
    public static final int MAX_SCHEMA_BYTES = 256 * 1024;

    private StateTransitions() {}

    /** Applies one command; throws {@link MetaException} (nothing applied) if it is refused. */
    public static Transition apply(ClusterState state, MetaCommand command) {
        return switch (command.getCommandCase()) {
            case CREATE_INDEX -> createIndex(state, command.getCreateIndex());
            case DELETE_INDEX -> deleteIndex(state, command.getDeleteIndex());
            case REGISTER_NODE -> registerNode(state, command.getRegisterNode());
            case SET_REPLICA_STATE -> setReplicaState(state, command.getSetReplicaState());
            case NODE_DOWN -> PlacementTransitions.nodeDown(state, command.getNodeDown());
            case ADD_REPLICA -> PlacementTransitions.addReplica(state, command.getAddReplica());
            case REMOVE_REPLICA -> PlacementTransitions.removeReplica(state, command.getRemoveReplica());
            case SCALE_SHARD -> PlacementTransitions.scaleShard(state, command.getScaleShard());
            case COMMAND_NOT_SET -> throw invalidArgument("empty command: set one of create_index, delete_index,"
                    + " register_node, set_replica_state, node_down, add_replica, remove_replica, scale_shard");
        };
    }

    private static Transition createIndex(ClusterState state, CreateIndexCommand c) {
        String name = c.getName();
        if (!INDEX_NAME.matcher(name).matches()) {
            throw invalidArgument("invalid index name " + quote(name)
                    + ": use 1-100 characters a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
        }
        if (state.containsIndices(name)) {
            throw alreadyExists("index " + quote(name) + " already exists; delete it first or pick another name");
        }
        if (c.getPartitions() < 1 || c.getPartitions() > MAX_PARTITIONS) {
            throw invalidArgument("partitions must be between 1 and " + MAX_PARTITIONS + ", got " + c.getPartitions());
        }
        if (c.getShards() < 1 || c.getShards() > c.getPartitions()) {
            throw invalidArgument("shards must be between 1 and partitions (" + c.getPartitions()
                    + "), got " + c.getShards());
        }
        if (c.getReplicas() < 1 || c.getReplicas() > MAX_REPLICAS) {
            throw invalidArgument("replicas must be between 1 and " + MAX_REPLICAS + ", got " + c.getReplicas());
        }
        if (c.getSchemaJson().getBytes(StandardCharsets.UTF_8).length > MAX_SCHEMA_BYTES) {
            throw invalidArgument("schema_json is larger than " + MAX_SCHEMA_BYTES + " bytes");
        }
        IndexInfo.Builder index = IndexInfo.newBuilder()
                .setName(name)
                .setSchemaJson(c.getSchemaJson())
                .setPartitions(c.getPartitions())
                .setReplicas(c.getReplicas());
        for (int s = 0; s < c.getShards(); s++) {
            index.addShards(ShardInfo.newBuilder()
                    .setId(s)
                    .addAllPartitions(ClusterStates.partitionsOf(s, c.getShards(), c.getPartitions())));
        }
        ClusterState next = state.toBuilder().putIndices(name, index.build()).build();
        return finish(state, next, true, 0);
    }

    private static Transition deleteIndex(ClusterState state, DeleteIndexCommand c) {
        if (!state.containsIndices(c.getName())) {
            throw notFound("index " + quote(c.getName()) + " does not exist");
        }
        return finish(state, state.toBuilder().removeIndices(c.getName()).build(), true, 0);
    }

    private static Transition registerNode(ClusterState state, RegisterNodeCommand c) {
        if (!NODE_ID.matcher(c.getId()).matches()) {
            throw invalidArgument("invalid node id " + quote(c.getId())
                    + ": use 1-64 characters A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
        }
        validateAddress(c.getAddress());
        NodeRole role = c.getRole();
        if (role != NodeRole.SHARD && role != NodeRole.SUGGEST && role != NodeRole.COORDINATOR) {
            throw invalidArgument("node role must be SHARD, SUGGEST or COORDINATOR, got " + role);
        }
        NodeInfo previous = state.getNodesMap().get(c.getId());
        boolean holdsReplicas = ClusterStates.replicaCount(state, c.getId()) > 0;
        if (previous != null && previous.getRole() != role && holdsReplicas) {
            throw failedPrecondition("node " + quote(c.getId()) + " holds replicas as " + previous.getRole()
                    + " and cannot re-register as " + role + "; use another node id");
        }
        long incarnation = previous == null ? 1 : previous.getIncarnation() + 1;
        NodeInfo node = NodeInfo.newBuilder()
                .setId(c.getId())
                .setAddress(c.getAddress())
                .setRole(role)
                .setIncarnation(incarnation)
                .setAlive(true)
                .build();
        ClusterState withNode = state.toBuilder().putNodes(node.getId(), node).build();
        ClusterState next = resetReplicasOf(withNode, node.getId());
        boolean movedOrRevived = previous != null
                && (!previous.getAddress().equals(node.getAddress()) || !previous.getAlive());
        boolean routingChanged = next != withNode || (holdsReplicas && movedOrRevived);
        return finish(state, next, routingChanged, incarnation);
    }

    private static Transition setReplicaState(ClusterState state, SetReplicaStateCommand c) {
        ReplicaState target = c.getState();
        if (target == ReplicaState.REPLICA_STATE_UNSPECIFIED || target == ReplicaState.UNRECOGNIZED) {
            throw invalidArgument("replica state must be INITIALIZING, RECOVERING, STARTED or RETIRING");
        }
        IndexInfo index = state.getIndicesMap().get(c.getIndex());
        if (index == null) {
            throw notFound("index " + quote(c.getIndex()) + " does not exist");
        }
        int shardPos = shardPosition(index, c.getShard());
        if (shardPos < 0) {
            throw notFound("index " + quote(c.getIndex()) + " has no shard " + c.getShard()
                    + " (it has shards 0.." + (index.getShardsCount() - 1) + ")");
        }
        NodeInfo node = state.getNodesMap().get(c.getNodeId());
        if (node == null) {
            throw notFound("node " + quote(c.getNodeId()) + " is not registered; register it first");
        }
        if (c.getIncarnation() != 0 && !node.getAlive()) {
            throw failedPrecondition("node " + quote(c.getNodeId()) + " incarnation " + c.getIncarnation()
                    + " was marked down (its lease expired): register again and report under the new incarnation");
        }
        if (c.getIncarnation() != 0 && c.getIncarnation() != node.getIncarnation()) {
            throw failedPrecondition("stale incarnation " + c.getIncarnation() + " for node " + quote(c.getNodeId())
                    + " (current is " + node.getIncarnation()
                    + "): the node re-registered since; use the new incarnation");
        }
        ShardInfo shard = index.getShards(shardPos);
        int replicaPos = -1;
        for (int r = 0; r < shard.getReplicasCount(); r++) {
            if (shard.getReplicas(r).getNodeId().equals(c.getNodeId())) {
                replicaPos = r;
                break;
            }
        }
        if (replicaPos < 0) {
            throw failedPrecondition("node " + quote(c.getNodeId()) + " holds no replica of index "
                    + quote(c.getIndex()) + " shard " + c.getShard());
        }
        ReplicaInfo replica = shard.getReplicas(replicaPos);
        if (replica.getState() == target) {
            return finish(state, state, false, 0);
        }
        ShardInfo newShard = shard.toBuilder()
                .setReplicas(replicaPos, replica.toBuilder().setState(target))
                .build();
        IndexInfo newIndex = index.toBuilder().setShards(shardPos, newShard).build();
        return finish(state, state.toBuilder().putIndices(newIndex.getName(), newIndex).build(), true, 0);
    }

    /** Bumps version (always) and routing epoch (if anything routable changed), after allocation. */
    private static Transition finish(ClusterState before, ClusterState next, boolean routingChanged, long incarnation) {
        return finish(before, ReplicaAllocator.fill(next), next, routingChanged, incarnation);
    }

    /** As above, without the initial-placement fill (leader-decided commands). */
    static Transition finishWithoutFill(ClusterState before, ClusterState next, boolean routingChanged) {
        return finish(before, next, next, routingChanged, 0);
    }

    private static Transition finish(ClusterState before, ClusterState allocated, ClusterState next,
            boolean routingChanged, long incarnation) {
        boolean changed = routingChanged || allocated != next;
        ClusterState result = allocated.toBuilder()
                .setVersion(before.getVersion() + 1)
                .setRoutingEpoch(before.getRoutingEpoch() + (changed ? 1 : 0))
                .build();
        MetaCommandResponse response = MetaCommandResponse.newBuilder()
                .setVersion(result.getVersion())
                .setIncarnation(incarnation)
                .build();
        return new Transition(result, response);
    }

    /** Replicas of a re-registering node that the old process had opened must be reported anew. */
    private static ClusterState resetReplicasOf(ClusterState state, String nodeId) {
        ClusterState.Builder builder = null;
        for (String name : state.getIndicesMap().keySet().stream().sorted().toList()) {
            IndexInfo index = state.getIndicesMap().get(name);
            IndexInfo.Builder indexBuilder = null;
            for (int s = 0; s < index.getShardsCount(); s++) {
                ShardInfo shard = index.getShards(s);
                for (int r = 0; r < shard.getReplicasCount(); r++) {
                    ReplicaInfo replica = shard.getReplicas(r);
                    boolean opened = replica.getState() == ReplicaState.RECOVERING
                            || replica.getState() == ReplicaState.STARTED;
                    if (replica.getNodeId().equals(nodeId) && opened) {
                        if (indexBuilder == null) {
                            indexBuilder = index.toBuilder();
                        }
                        indexBuilder.getShardsBuilder(s).getReplicasBuilder(r).setState(ReplicaState.INITIALIZING);
                    }
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

    static int shardPosition(IndexInfo index, int shardId) {
        for (int s = 0; s < index.getShardsCount(); s++) {
            if (index.getShards(s).getId() == shardId) {
                return s;
            }
        }
        return -1;
    }

    private static void validateAddress(String address) {
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && colon < address.length() - 1 && address.length() <= 255
                && address.chars().noneMatch(Character::isWhitespace);
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port >= 1 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw invalidArgument("invalid node address " + quote(address)
                    + ": expected host:port with a port 1-65535");
        }
    }

    /** Quotes a user-supplied value for a message, cut short so a hostile value cannot flood logs. */
    static String quote(String value) {
        return value.length() <= 120 ? "'" + value + "'" : "'" + value.substring(0, 120) + "...'";
    }
}
