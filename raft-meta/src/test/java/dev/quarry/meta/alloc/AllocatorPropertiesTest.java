package dev.quarry.meta.alloc;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.deleteIndex;
import static dev.quarry.meta.state.Commands.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.meta.state.Transition;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ShardInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Random command sequences against the placement invariants. */
class AllocatorPropertiesTest {

    @Property(tries = 300)
    void placementInvariantsHoldAfterEveryCommand(@ForAll("commands") List<MetaCommand> commands) throws Exception {
        ClusterState state = ClusterStates.EMPTY;
        for (MetaCommand command : commands) {
            Transition t;
            try {
                t = StateTransitions.apply(state, command);
            } catch (MetaException refused) {
                continue;
            }
            assertThat(t.state().getVersion()).isEqualTo(state.getVersion() + 1);
            assertThat(t.state().getRoutingEpoch()).isGreaterThanOrEqualTo(state.getRoutingEpoch());
            // Map order must not matter: a peer that loaded a snapshot computes the same next state.
            ClusterState reloaded = ClusterState.parseFrom(ClusterStates.toDeterministicBytes(state));
            assertThat(ClusterStates.toDeterministicBytes(StateTransitions.apply(reloaded, command).state()))
                    .isEqualTo(ClusterStates.toDeterministicBytes(t.state()));
            state = t.state();
            checkPlacement(state);
        }
    }

    private static void checkPlacement(ClusterState state) {
        Set<String> eligible = new HashSet<>();
        for (NodeInfo n : state.getNodesMap().values()) {
            if (n.getAlive() && n.getRole() == NodeRole.SHARD) {
                eligible.add(n.getId());
            }
        }
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                List<String> holders = shard.getReplicasList().stream().map(ReplicaInfo::getNodeId).toList();
                assertThat(holders).as("no two replicas of a shard on one node").doesNotHaveDuplicates();
                assertThat(holders.size()).as("never more replicas than asked").isLessThanOrEqualTo(index.getReplicas());
                assertThat(holders).as("replicas only on registered SHARD nodes").allSatisfy(id ->
                        assertThat(state.getNodesOrThrow(id).getRole()).isEqualTo(NodeRole.SHARD));
                if (holders.size() < index.getReplicas()) {
                    assertThat(holders).as("under-replicated only when no eligible node is left")
                            .containsAll(eligible);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<MetaCommand>> commands() {
        Arbitrary<String> nodeIds = Arbitraries.of("s1", "s2", "s3", "s4", "s5", "s6");
        Arbitrary<String> names = Arbitraries.of("a", "b", "c", "d");
        Arbitrary<MetaCommand> registerNode = Combinators.combine(nodeIds,
                        Arbitraries.of(NodeRole.SHARD, NodeRole.SHARD, NodeRole.SHARD, NodeRole.SUGGEST))
                .as((id, role) -> register(id, "127.0.0.1:7200", role));
        Arbitrary<MetaCommand> create = Combinators.combine(names, Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 4))
                .as((name, partitions, shards, replicas) -> createIndex(name, partitions, Math.min(shards, partitions),
                        replicas));
        Arbitrary<MetaCommand> delete = names.map(n -> deleteIndex(n));
        return Arbitraries.frequencyOf(Tuple.of(3, registerNode), Tuple.of(4, create), Tuple.of(1, delete))
                .list().ofMinSize(1).ofMaxSize(40);
    }
}
