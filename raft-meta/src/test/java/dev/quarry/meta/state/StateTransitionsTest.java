package dev.quarry.meta.state;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.deleteIndex;
import static dev.quarry.meta.state.Commands.register;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.error.MetaException.Kind;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StateTransitionsTest {

    private static ClusterState apply(ClusterState state, MetaCommand... commands) {
        ClusterState s = state;
        for (MetaCommand c : commands) {
            s = StateTransitions.apply(s, c).state();
        }
        return s;
    }

    private static Kind rejection(ClusterState state, MetaCommand command) {
        try {
            StateTransitions.apply(state, command);
        } catch (MetaException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.kind();
        }
        throw new AssertionError("expected " + command + " to be refused");
    }

    @Test
    void createIndexGivesShardsContiguousPartitionRanges() {
        ClusterState s = apply(ClusterStates.EMPTY, createIndex("docs", 10, 3, 1));

        List<ShardInfo> shards = s.getIndicesOrThrow("docs").getShardsList();
        assertThat(shards).extracting(ShardInfo::getId).containsExactly(0, 1, 2);
        assertThat(shards.get(0).getPartitionsList()).containsExactly(0, 1, 2);
        assertThat(shards.get(1).getPartitionsList()).containsExactly(3, 4, 5);
        assertThat(shards.get(2).getPartitionsList()).containsExactly(6, 7, 8, 9);
        assertThat(s.getIndicesOrThrow("docs").getPartitions()).isEqualTo(10);
        assertThat(s.getIndicesOrThrow("docs").getReplicas()).isEqualTo(1);
        assertThat(s.getVersion()).isEqualTo(1);
        assertThat(s.getRoutingEpoch()).isEqualTo(1);
    }

    @Test
    void everyPartitionBelongsToExactlyOneShardAndShardSizesDifferByAtMostOne() {
        for (int partitions = 1; partitions <= 40; partitions++) {
            for (int shards = 1; shards <= partitions; shards++) {
                int p = partitions;
                int n = shards;
                List<List<Integer>> ranges = IntStream.range(0, n)
                        .mapToObj(i -> ClusterStates.partitionsOf(i, n, p))
                        .toList();
                // Concatenated in shard order they are exactly 0..P-1: contiguous, disjoint, complete.
                assertThat(ranges.stream().flatMap(List::stream).toList())
                        .containsExactlyElementsOf(IntStream.range(0, p).boxed().toList());
                assertThat(ranges).allSatisfy(r -> assertThat(r.size()).isBetween(p / n, (p + n - 1) / n));
            }
        }
    }

    @Test
    void indexNamesAreChecked() {
        for (String bad : List.of("", "Upper", "-lead", ".lead", "with space", "slash/x", "a".repeat(101), "ü")) {
            assertThat(rejection(ClusterStates.EMPTY, createIndex(bad, 1, 1, 1))).as(bad).isEqualTo(Kind.INVALID_ARGUMENT);
        }
        for (String good : List.of("a", "0", "my-index.v2_1", "a".repeat(100))) {
            assertThat(apply(ClusterStates.EMPTY, createIndex(good, 1, 1, 1)).getIndicesMap()).containsKey(good);
        }
    }

    @Test
    void countsAreChecked() {
        assertThat(rejection(ClusterStates.EMPTY, createIndex("x", 0, 1, 1))).isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, createIndex("x", 4, 0, 1))).isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, createIndex("x", 4, 5, 1))).isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, createIndex("x", 4, 2, 0))).isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, createIndex("x", StateTransitions.MAX_PARTITIONS + 1, 1, 1)))
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(apply(ClusterStates.EMPTY, createIndex("x", 4, 4, 3)).getIndicesOrThrow("x").getShardsCount())
                .isEqualTo(4);
    }

    @Test
    void duplicateIndexIsRefusedAndNothingChanges() {
        ClusterState s = apply(ClusterStates.EMPTY, createIndex("docs", 4, 2, 1));
        assertThat(rejection(s, createIndex("docs", 8, 2, 1))).isEqualTo(Kind.ALREADY_EXISTS);
        assertThat(s.getIndicesOrThrow("docs").getPartitions()).isEqualTo(4);
    }

    @Test
    void deleteIndexRemovesItOrIsNotFound() {
        ClusterState s = apply(ClusterStates.EMPTY, createIndex("docs", 4, 2, 1));
        assertThat(rejection(s, deleteIndex("nope"))).isEqualTo(Kind.NOT_FOUND);

        ClusterState after = apply(s, deleteIndex("docs"));
        assertThat(after.getIndicesMap()).isEmpty();
        assertThat(after.getVersion()).isEqualTo(s.getVersion() + 1);
        assertThat(after.getRoutingEpoch()).isEqualTo(s.getRoutingEpoch() + 1);
    }

    @Test
    void registerNodeCountsIncarnationsAndReturnsThem() {
        Transition first = StateTransitions.apply(ClusterStates.EMPTY, registerShard("s1", 7200));
        assertThat(first.response().getIncarnation()).isEqualTo(1);
        assertThat(first.response().getVersion()).isEqualTo(1);
        assertThat(first.state().getNodesOrThrow("s1").getAlive()).isTrue();

        Transition second = StateTransitions.apply(first.state(), register("s1", "10.0.0.7:7200", NodeRole.SHARD));
        assertThat(second.response().getIncarnation()).isEqualTo(2);
        assertThat(second.state().getNodesOrThrow("s1").getIncarnation()).isEqualTo(2);
        assertThat(second.state().getNodesOrThrow("s1").getAddress()).isEqualTo("10.0.0.7:7200");
        assertThat(second.state().getVersion()).isEqualTo(2);
    }

    @Test
    void registerNodeValidatesItsFields() {
        assertThat(rejection(ClusterStates.EMPTY, register("", "h:1", NodeRole.SHARD))).isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, register("s1", "no-port", NodeRole.SHARD)))
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, register("s1", "h:70000", NodeRole.SHARD)))
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, register("s1", "h:1", NodeRole.NODE_ROLE_UNSPECIFIED)))
                .isEqualTo(Kind.INVALID_ARGUMENT);
        assertThat(rejection(ClusterStates.EMPTY, MetaCommand.getDefaultInstance())).isEqualTo(Kind.INVALID_ARGUMENT);
    }

    @Test
    void registeringANonShardNodeDoesNotChangeRouting() {
        ClusterState s = apply(ClusterStates.EMPTY, createIndex("docs", 4, 2, 1));
        ClusterState after = apply(s, register("c1", "127.0.0.1:7400", NodeRole.COORDINATOR));
        assertThat(after.getRoutingEpoch()).isEqualTo(s.getRoutingEpoch());
        assertThat(after.getVersion()).isEqualTo(s.getVersion() + 1);
        assertThat(replicaNodes(after, "docs", 0)).isEmpty();
    }

    @Test
    void replicasArePlacedAtCreationAndFilledWhenNodesRegister() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 6, 3, 2));
        for (int shard = 0; shard < 3; shard++) {
            assertThat(replicaNodes(s, "docs", shard)).containsExactly("s1");
        }
        long epoch = s.getRoutingEpoch();

        ClusterState filled = apply(s, registerShard("s2", 7210));
        for (int shard = 0; shard < 3; shard++) {
            assertThat(replicaNodes(filled, "docs", shard)).containsExactly("s1", "s2");
            assertThat(filled.getIndicesOrThrow("docs").getShards(shard).getReplicasList())
                    .extracting(ReplicaInfo::getState).containsOnly(ReplicaState.INITIALIZING);
        }
        assertThat(filled.getRoutingEpoch()).isEqualTo(epoch + 1);

        ClusterState third = apply(filled, registerShard("s3", 7220));
        assertThat(ClusterStates.replicaCount(third, "s3")).isZero();
    }

    @Test
    void setReplicaStateChecksTheReplicaAndTheIncarnation() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), registerShard("s2", 7210),
                createIndex("docs", 4, 2, 1), registerShard("s1", 7200)); // s1 now at incarnation 2
        String holder = replicaNodes(s, "docs", 0).getFirst();
        String other = holder.equals("s1") ? "s2" : "s1";
        long inc = s.getNodesOrThrow(holder).getIncarnation();

        assertThat(rejection(s, setReplicaState("nope", 0, holder, ReplicaState.STARTED, 0))).isEqualTo(Kind.NOT_FOUND);
        assertThat(rejection(s, setReplicaState("docs", 7, holder, ReplicaState.STARTED, 0))).isEqualTo(Kind.NOT_FOUND);
        assertThat(rejection(s, setReplicaState("docs", 0, "ghost", ReplicaState.STARTED, 0))).isEqualTo(Kind.NOT_FOUND);
        assertThat(rejection(s, setReplicaState("docs", 0, other, ReplicaState.STARTED, 0)))
                .isEqualTo(Kind.FAILED_PRECONDITION);
        assertThat(rejection(s, setReplicaState("docs", 0, holder, ReplicaState.STARTED, inc + 5)))
                .isEqualTo(Kind.FAILED_PRECONDITION);
        assertThat(rejection(s, setReplicaState("docs", 0, holder, ReplicaState.REPLICA_STATE_UNSPECIFIED, 0)))
                .isEqualTo(Kind.INVALID_ARGUMENT);

        ClusterState started = apply(s, setReplicaState("docs", 0, holder, ReplicaState.STARTED, inc));
        assertThat(started.getIndicesOrThrow("docs").getShards(0).getReplicas(0).getState())
                .isEqualTo(ReplicaState.STARTED);
        assertThat(started.getRoutingEpoch()).isEqualTo(s.getRoutingEpoch() + 1);

        ClusterState again = apply(started, setReplicaState("docs", 0, holder, ReplicaState.STARTED, 0));
        assertThat(again.getVersion()).isEqualTo(started.getVersion() + 1);
        assertThat(again.getRoutingEpoch()).isEqualTo(started.getRoutingEpoch());
    }

    @Test
    void staleIncarnationIsRefusedAfterReRegistration() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 1, 1, 1));
        ClusterState restarted = apply(s, registerShard("s1", 7200));
        MetaException e = (MetaException) catchThrowable(
                () -> StateTransitions.apply(restarted, setReplicaState("docs", 0, "s1", ReplicaState.STARTED, 1)));
        assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
        assertThat(e.getMessage()).contains("stale incarnation");
    }

    @Test
    void reRegistrationSendsOpenedReplicasBackToInitializing() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 1, 1, 1),
                setReplicaState("docs", 0, "s1", ReplicaState.STARTED, 1));
        ClusterState restarted = apply(s, registerShard("s1", 7200));
        assertThat(restarted.getIndicesOrThrow("docs").getShards(0).getReplicas(0).getState())
                .isEqualTo(ReplicaState.INITIALIZING);
        assertThat(restarted.getRoutingEpoch()).isEqualTo(s.getRoutingEpoch() + 1);
    }

    @Test
    void aNodeHoldingReplicasCannotChangeRole() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 1, 1, 1));
        assertThat(rejection(s, register("s1", "127.0.0.1:7200", NodeRole.SUGGEST))).isEqualTo(Kind.FAILED_PRECONDITION);
        ClusterState free = apply(ClusterStates.EMPTY, registerShard("s1", 7200));
        assertThat(apply(free, register("s1", "127.0.0.1:7200", NodeRole.SUGGEST)).getNodesOrThrow("s1").getRole())
                .isEqualTo(NodeRole.SUGGEST);
    }

    @Test
    void refusedCommandsLeaveTheInputUntouched() {
        ClusterState s = apply(ClusterStates.EMPTY, registerShard("s1", 7200), createIndex("docs", 4, 2, 1));
        byte[] before = ClusterStates.toDeterministicBytes(s);
        assertThatThrownBy(() -> StateTransitions.apply(s, createIndex("docs", 4, 2, 1)))
                .isInstanceOf(MetaException.class);
        assertThat(ClusterStates.toDeterministicBytes(s)).isEqualTo(before);
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected a failure");
    }

    static List<String> replicaNodes(ClusterState s, String index, int shard) {
        return s.getIndicesOrThrow(index).getShards(shard).getReplicasList().stream()
                .map(ReplicaInfo::getNodeId).sorted().toList();
    }
}
