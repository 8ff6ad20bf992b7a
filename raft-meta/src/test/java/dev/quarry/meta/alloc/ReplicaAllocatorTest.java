package dev.quarry.meta.alloc;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.register;
import static dev.quarry.meta.state.Commands.registerShard;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.ReplicaInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaAllocatorTest {

    private static ClusterState apply(ClusterState state, MetaCommand... commands) {
        ClusterState s = state;
        for (MetaCommand c : commands) {
            s = StateTransitions.apply(s, c).state();
        }
        return s;
    }

    private static List<String> nodesOf(ClusterState s, String index, int shard) {
        return s.getIndicesOrThrow(index).getShards(shard).getReplicasList().stream()
                .map(ReplicaInfo::getNodeId).toList();
    }

    @Test
    void prefersTheNodeWithFewestReplicasThenTheSmallestId() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("a", 2, 2, 1),
                registerShard("s3", 7220), registerShard("s2", 7210));
        assertThat(ClusterStates.replicaCount(s, "s1")).isEqualTo(2);

        ClusterState next = apply(s, createIndex("b", 3, 3, 1));
        // s2 and s3 start empty: s2 (tie, smaller id), then s3, then the tie s2/s3 again goes to s2.
        assertThat(nodesOf(next, "b", 0)).containsExactly("s2");
        assertThat(nodesOf(next, "b", 1)).containsExactly("s3");
        assertThat(nodesOf(next, "b", 2)).containsExactly("s2");
    }

    @Test
    void neverPlacesOnDeadOrNonShardNodes() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), registerShard("s2", 7210),
                register("q1", "127.0.0.1:7600", NodeRole.SUGGEST), register("c1", "127.0.0.1:7400", NodeRole.COORDINATOR));
        NodeInfo dead = s.getNodesOrThrow("s2").toBuilder().setAlive(false).build();
        ClusterState withDead = s.toBuilder().putNodes("s2", dead).build();

        ClusterState next = apply(withDead, createIndex("docs", 4, 2, 3));
        assertThat(nodesOf(next, "docs", 0)).containsExactly("s1");
        assertThat(nodesOf(next, "docs", 1)).containsExactly("s1");
    }

    @Test
    void returnsTheSameInstanceWhenNothingIsMissing() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 2, 2, 1));
        assertThat(ReplicaAllocator.fill(s)).isSameAs(s);
        ClusterState noNodes = apply(ClusterStates.EMPTY, createIndex("docs", 2, 2, 1));
        assertThat(ReplicaAllocator.fill(noNodes)).isSameAs(noNodes);
    }
}
