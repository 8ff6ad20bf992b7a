package dev.quarry.meta.alloc;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeDownCommand;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ScaleShardCommand;
import dev.quarry.proto.v1.ShardInfo;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random histories of nodes joining, dying (NodeDown), returning (RegisterNode again), shards
 * heating up and cooling down, and indices being created, each followed by the leader's allocator
 * running to a fixpoint (with nodes reporting their replicas STARTED, as shard servers do). After
 * every applied command no shard has two replicas on one node; after convergence every shard has
 * exactly min(desired, alive shard nodes) live replicas, none on a dead node unless no replacement
 * was possible, and the plan is empty (the allocator converges instead of oscillating).
 */
class AllocationPlannerPropertiesTest {
    private static final int MAX_ROUNDS = 200;

    sealed interface Event {}

    record Join(String node) implements Event {}

    record Die(String node) implements Event {}

    record Heat(String index, int shard, int extra) implements Event {}

    record Create(String index, int shards, int replicas) implements Event {}

    @Property(tries = 300)
    void placementStaysDistinctAndReplicaCountsAreRestored(@ForAll("events") List<Event> events) {
        ClusterState state = ClusterStates.EMPTY;
        for (Event e : events) {
            state = apply(state, toCommand(state, e));
            state = converge(state);
            checkConverged(state);
        }
    }

    private static MetaCommand toCommand(ClusterState state, Event e) {
        return switch (e) {
            case Join j -> registerShard(j.node(), 7200);
            case Die d -> MetaCommand.newBuilder().setNodeDown(NodeDownCommand.newBuilder().setId(d.node())
                    .setIncarnation(state.getNodesMap().containsKey(d.node())
                            ? state.getNodesOrThrow(d.node()).getIncarnation() : 1)).build();
            case Heat h -> MetaCommand.newBuilder().setScaleShard(ScaleShardCommand.newBuilder()
                    .setIndex(h.index()).setShard(h.shard()).setExtraReplicas(h.extra())).build();
            case Create c -> createIndex(c.index(), 4, c.shards(), c.replicas());
        };
    }

    /** Runs "nodes report STARTED" and the planner until nothing changes. */
    private static ClusterState converge(ClusterState state) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<MetaCommand> commands = new ArrayList<>(startedReports(state));
            commands.addAll(AllocationPlanner.plan(state));
            if (commands.isEmpty()) {
                return state;
            }
            for (MetaCommand c : commands) {
                state = apply(state, c);
            }
        }
        throw new AssertionError("the allocator did not converge in " + MAX_ROUNDS + " rounds: " + state);
    }

    private static List<MetaCommand> startedReports(ClusterState state) {
        List<MetaCommand> out = new ArrayList<>();
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                for (ReplicaInfo r : shard.getReplicasList()) {
                    NodeInfo n = state.getNodesOrThrow(r.getNodeId());
                    if (n.getAlive() && r.getState() == ReplicaState.INITIALIZING) {
                        out.add(setReplicaState(index.getName(), shard.getId(), r.getNodeId(), ReplicaState.STARTED,
                                n.getIncarnation()));
                    }
                }
            }
        }
        return out;
    }

    private static ClusterState apply(ClusterState state, MetaCommand command) {
        try {
            ClusterState next = StateTransitions.apply(state, command).state();
            checkDistinct(next);
            return next;
        } catch (MetaException refused) {
            return state;
        }
    }

    private static void checkDistinct(ClusterState state) {
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                assertThat(shard.getReplicasList().stream().map(ReplicaInfo::getNodeId).toList())
                        .as("no two replicas of %s/%d on one node", index.getName(), shard.getId())
                        .doesNotHaveDuplicates();
            }
        }
    }

    private static void checkConverged(ClusterState state) {
        long alive = AllocationPlanner.eligibleNodes(state).size();
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                int desired = index.getReplicas() + shard.getExtraReplicas();
                long live = shard.getReplicasList().stream()
                        .filter(r -> state.getNodesOrThrow(r.getNodeId()).getAlive())
                        .filter(r -> r.getState() != ReplicaState.RETIRING)
                        .count();
                assertThat(live).as("live replicas of %s/%d", index.getName(), shard.getId())
                        .isEqualTo(Math.min(desired, alive));
                long dead = shard.getReplicasCount() - live;
                if (dead > 0) {
                    assertThat(live).as("dead replicas kept only while no replacement exists").isLessThan(desired);
                }
            }
        }
        assertThat(AllocationPlanner.plan(state)).isEmpty();
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<String> nodes = Arbitraries.of("s1", "s2", "s3", "s4", "s5");
        Arbitrary<String> indices = Arbitraries.of("a", "b");
        Arbitrary<Event> join = nodes.map(Join::new);
        Arbitrary<Event> die = nodes.map(Die::new);
        Arbitrary<Event> heat = Combinators.combine(indices, Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 1)).as(Heat::new);
        Arbitrary<Event> create = Combinators.combine(indices, Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 3)).as(Create::new);
        return Arbitraries.frequencyOf(Tuple.of(4, join), Tuple.of(3, die), Tuple.of(2, heat), Tuple.of(2, create))
                .list().ofMinSize(1).ofMaxSize(30);
    }
}
