package dev.quarry.meta.state;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.error.MetaException;
import dev.quarry.proto.v1.AddReplicaCommand;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeDownCommand;
import dev.quarry.proto.v1.RemoveReplicaCommand;
import dev.quarry.proto.v1.ReplicaState;
import org.junit.jupiter.api.Test;

class PlacementTransitionsTest {
    private ClusterState state = ClusterStates.EMPTY;

    @Test
    void nodeDownMarksTheNodeAndBumpsTheEpochButOnlyForTheLiveIncarnation() {
        apply(registerShard("s1", 7200));
        apply(registerShard("s1", 7200)); // incarnation 2
        assertThatThrownBy(() -> apply(nodeDown("s1", 1))).isInstanceOf(MetaException.class)
                .satisfies(e -> assertThat(((MetaException) e).kind()).isEqualTo(MetaException.Kind.FAILED_PRECONDITION));
        long epoch = state.getRoutingEpoch();
        apply(nodeDown("s1", 2));
        assertThat(state.getNodesOrThrow("s1").getAlive()).isFalse();
        assertThat(state.getRoutingEpoch()).isEqualTo(epoch + 1);
        assertThatThrownBy(() -> apply(nodeDown("s1", 2))).isInstanceOf(MetaException.class);
        apply(registerShard("s1", 7200));
        assertThat(state.getNodesOrThrow("s1").getIncarnation()).isEqualTo(3);
        assertThat(state.getNodesOrThrow("s1").getAlive()).isTrue();
    }

    @Test
    void replicasAreAddedOnlyToFreeLiveNodesAndRemovedOnlyWhenDeadOrRetiring() {
        apply(registerShard("s1", 7200));
        apply(registerShard("s2", 7210));
        apply(createIndex("a", 1, 1, 1)); // placed on s1
        assertThat(state.getIndicesOrThrow("a").getShards(0).getReplicas(0).getNodeId()).isEqualTo("s1");
        assertThatThrownBy(() -> apply(add("a", "s1"))).isInstanceOf(MetaException.class);
        apply(add("a", "s2"));
        assertThat(state.getIndicesOrThrow("a").getShards(0).getReplicasList())
                .extracting(r -> r.getNodeId() + ":" + r.getState()).containsExactly("s1:INITIALIZING", "s2:INITIALIZING");
        assertThatThrownBy(() -> apply(remove("a", "s1"))).isInstanceOf(MetaException.class)
                .hasMessageContaining("RETIRING");
        apply(setReplicaState("a", 0, "s1", ReplicaState.RETIRING, 0));
        apply(remove("a", "s1"));
        apply(nodeDown("s2", 1));
        assertThatThrownBy(() -> apply(add("a", "s2"))).isInstanceOf(MetaException.class);
        apply(remove("a", "s2")); // dead node: removable without retiring
        assertThat(state.getIndicesOrThrow("a").getShards(0).getReplicasList()).isEmpty();
    }

    private void apply(MetaCommand c) {
        ClusterState before = state;
        state = StateTransitions.apply(state, c).state();
        assertThat(state.getVersion()).isEqualTo(before.getVersion() + 1);
    }

    private static MetaCommand nodeDown(String id, long incarnation) {
        return MetaCommand.newBuilder().setNodeDown(NodeDownCommand.newBuilder().setId(id).setIncarnation(incarnation)).build();
    }

    private static MetaCommand add(String index, String node) {
        return MetaCommand.newBuilder().setAddReplica(AddReplicaCommand.newBuilder().setIndex(index).setShard(0).setNodeId(node)).build();
    }

    private static MetaCommand remove(String index, String node) {
        return MetaCommand.newBuilder().setRemoveReplica(RemoveReplicaCommand.newBuilder().setIndex(index).setShard(0).setNodeId(node)).build();
    }
}
