package dev.quarry.meta.alloc;

import dev.quarry.proto.v1.AddReplicaCommand;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.RemoveReplicaCommand;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.SetReplicaStateCommand;
import dev.quarry.proto.v1.ShardInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The leader's allocator: a pure function from a state to the commands that move it towards the
 * desired placement. The leader runs it every tick on its applied state and submits the result
 * through the log; commands that a concurrent change made invalid are refused there, and the next
 * tick plans again from the new state, so the planner never has to be "right" about in-flight
 * changes, only to converge.
 *
 * <p>Per shard (indices by name, shards by id), with {@code desired = replicas + extra_replicas}
 * and {@code live} = replicas on alive nodes that are not {@code RETIRING}:
 * <ol>
 *   <li>{@code live < desired}: {@code AddReplica} on the alive {@code SHARD} node that holds no
 *       replica of the shard and the fewest replicas overall (ties: smallest id), as often as
 *       needed and possible. This replaces replicas lost with a node and adds hot-shard replicas.
 *   <li>Replicas on nodes that are down: {@code RemoveReplica} once the shard has {@code desired}
 *       live replicas (counting the ones just added), i.e. once a replacement is placed.
 *   <li>{@code RETIRING} replicas: {@code RemoveReplica} once {@code live >= desired}.
 *   <li>{@code live > desired} (a hot shard cooled down, a moved replica arrived, a dead node came
 *       back): retire ({@code SetReplicaState RETIRING}) the replica on the most loaded node
 *       (ties: not-yet-STARTED first, then largest id) — but only if another STARTED replica is
 *       left to serve, or the victim is not STARTED itself.
 * </ol>
 * If no shard needed anything and no surplus replica is waiting to be retired: balance. When the most and least loaded alive shard nodes differ by
 * two or more replicas, add one replica of a shard held by the most loaded node (and not by the
 * least loaded) to the least loaded node; rule 4 retires the surplus copy on the loaded node once
 * the new one is STARTED. One move at a time keeps the churn bounded.
 *
 * <p>Thread-safety: stateless.
 */
public final class AllocationPlanner {
    private AllocationPlanner() {}

    /** The commands to submit, in order; empty when the placement is as desired. */
    public static List<MetaCommand> plan(ClusterState state) {
        List<String> eligible = eligibleNodes(state);
        Map<String, Integer> load = liveLoad(state);
        List<MetaCommand> out = new ArrayList<>();
        boolean movePending = false;
        for (String name : state.getIndicesMap().keySet().stream().sorted().toList()) {
            IndexInfo index = state.getIndicesMap().get(name);
            for (ShardInfo shard : index.getShardsList()) {
                movePending |= planShard(state, index, shard, eligible, load, out);
            }
        }
        if (out.isEmpty() && !movePending) {
            balance(state, eligible, load).ifPresent(out::add);
        }
        return out;
    }

    /** Adds this shard's commands to {@code out}; true if it has a surplus replica not yet retired. */
    private static boolean planShard(ClusterState state, IndexInfo index, ShardInfo shard, List<String> eligible,
            Map<String, Integer> load, List<MetaCommand> out) {
        int desired = index.getReplicas() + shard.getExtraReplicas();
        Set<String> holders = new HashSet<>();
        List<ReplicaInfo> live = new ArrayList<>();
        List<ReplicaInfo> dead = new ArrayList<>();
        List<ReplicaInfo> retiring = new ArrayList<>();
        for (ReplicaInfo r : shard.getReplicasList()) {
            holders.add(r.getNodeId());
            if (!alive(state, r.getNodeId())) {
                dead.add(r);
            } else if (r.getState() == ReplicaState.RETIRING) {
                retiring.add(r);
            } else {
                live.add(r);
            }
        }
        int liveCount = live.size();
        while (liveCount < desired) {
            String target = ReplicaAllocator.pick(eligible, holders, load);
            if (target == null) {
                break;
            }
            out.add(add(index.getName(), shard.getId(), target));
            holders.add(target);
            load.merge(target, 1, Integer::sum);
            liveCount++;
        }
        if (liveCount >= desired) {
            for (ReplicaInfo r : dead) {
                out.add(remove(index.getName(), shard.getId(), r.getNodeId()));
            }
            for (ReplicaInfo r : retiring) {
                out.add(remove(index.getName(), shard.getId(), r.getNodeId()));
            }
        }
        if (liveCount > desired) {
            ReplicaInfo victim = live.stream()
                    .max(Comparator.<ReplicaInfo>comparingInt(r -> load.getOrDefault(r.getNodeId(), 0))
                            .thenComparing(r -> r.getState() != ReplicaState.STARTED)
                            .thenComparing(ReplicaInfo::getNodeId))
                    .orElseThrow();
            long startedOthers = live.stream()
                    .filter(r -> r != victim && r.getState() == ReplicaState.STARTED)
                    .count();
            if (victim.getState() != ReplicaState.STARTED || startedOthers > 0) {
                out.add(retire(index.getName(), shard.getId(), victim.getNodeId()));
                load.merge(victim.getNodeId(), -1, Integer::sum);
            } else {
                return true; // wait until another replica is STARTED
            }
        }
        return false;
    }

    /** One move from the most to the least loaded node, when they differ by 2 or more. */
    private static Optional<MetaCommand> balance(ClusterState state, List<String> eligible,
            Map<String, Integer> load) {
        if (eligible.size() < 2) {
            return Optional.empty();
        }
        Comparator<String> byLoad = Comparator.<String>comparingInt(id -> load.getOrDefault(id, 0))
                .thenComparing(Comparator.naturalOrder());
        String least = eligible.stream().min(byLoad).orElseThrow();
        String most = eligible.stream().max(Comparator.<String>comparingInt(id -> load.getOrDefault(id, 0))
                .thenComparing(Comparator.<String>reverseOrder())).orElseThrow();
        if (load.getOrDefault(most, 0) - load.getOrDefault(least, 0) < 2) {
            return Optional.empty();
        }
        for (String name : state.getIndicesMap().keySet().stream().sorted().toList()) {
            for (ShardInfo shard : state.getIndicesMap().get(name).getShardsList()) {
                boolean onMost = false;
                boolean onLeast = false;
                for (ReplicaInfo r : shard.getReplicasList()) {
                    onMost |= r.getNodeId().equals(most) && r.getState() != ReplicaState.RETIRING;
                    onLeast |= r.getNodeId().equals(least);
                }
                if (onMost && !onLeast) {
                    return Optional.of(add(name, shard.getId(), least));
                }
            }
        }
        return Optional.empty();
    }

    /** Alive SHARD nodes, sorted by id. */
    static List<String> eligibleNodes(ClusterState state) {
        return state.getNodesMap().values().stream()
                .filter(n -> n.getAlive() && n.getRole() == NodeRole.SHARD)
                .map(NodeInfo::getId)
                .sorted()
                .toList();
    }

    /** Replicas per node that count as load: on alive nodes, not RETIRING. */
    static Map<String, Integer> liveLoad(ClusterState state) {
        Map<String, Integer> load = new HashMap<>();
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                for (ReplicaInfo r : shard.getReplicasList()) {
                    if (r.getState() != ReplicaState.RETIRING && alive(state, r.getNodeId())) {
                        load.merge(r.getNodeId(), 1, Integer::sum);
                    }
                }
            }
        }
        return load;
    }

    private static boolean alive(ClusterState state, String nodeId) {
        NodeInfo n = state.getNodesMap().get(nodeId);
        return n != null && n.getAlive();
    }

    private static MetaCommand add(String index, int shard, String node) {
        return MetaCommand.newBuilder().setAddReplica(AddReplicaCommand.newBuilder()
                .setIndex(index).setShard(shard).setNodeId(node)).build();
    }

    private static MetaCommand remove(String index, int shard, String node) {
        return MetaCommand.newBuilder().setRemoveReplica(RemoveReplicaCommand.newBuilder()
                .setIndex(index).setShard(shard).setNodeId(node)).build();
    }

    private static MetaCommand retire(String index, int shard, String node) {
        return MetaCommand.newBuilder().setSetReplicaState(SetReplicaStateCommand.newBuilder()
                .setIndex(index).setShard(shard).setNodeId(node).setState(ReplicaState.RETIRING)).build();
    }
}
