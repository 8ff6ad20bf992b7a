package dev.quarry.meta.liveness;

import static dev.quarry.meta.state.Commands.register;
import static dev.quarry.meta.state.Commands.registerShard;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatVerdict;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeDownCommand;
import dev.quarry.proto.v1.NodeRole;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseTableTest {
    private final MutableClock clock = new MutableClock();
    private final LeaseTable leases = new LeaseTable(clock, Duration.ofSeconds(3));

    @Test
    void aSilentNodeExpiresOneLeaseAfterItWasFirstSeenAndHeartbeatsRenew() {
        ClusterState state = apply(ClusterStates.EMPTY, registerShard("s1", 7200));
        assertThat(leases.expired(state)).isEmpty(); // first sight: a full lease from now
        clock.advance(Duration.ofMillis(2_500));
        assertThat(leases.heartbeat(state, beat("s1", 1))).isEqualTo(HeartbeatVerdict.ACCEPTED);
        clock.advance(Duration.ofMillis(2_999));
        assertThat(leases.expired(state)).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(leases.expired(state)).containsExactly(new LeaseTable.Expired("s1", 1));
    }

    @Test
    void staleOrDownIncarnationsMustReregister() {
        ClusterState state = apply(apply(ClusterStates.EMPTY, registerShard("s1", 7200)), registerShard("s1", 7200));
        assertThat(leases.heartbeat(state, beat("s1", 1))).isEqualTo(HeartbeatVerdict.REREGISTER);
        assertThat(leases.heartbeat(state, beat("s1", 2))).isEqualTo(HeartbeatVerdict.ACCEPTED);
        assertThat(leases.heartbeat(state, beat("nobody", 1))).isEqualTo(HeartbeatVerdict.REREGISTER);
        ClusterState down = apply(state, MetaCommand.newBuilder()
                .setNodeDown(NodeDownCommand.newBuilder().setId("s1").setIncarnation(2)).build());
        assertThat(leases.heartbeat(down, beat("s1", 2))).isEqualTo(HeartbeatVerdict.REREGISTER);
    }

    @Test
    void aReRegisteredNodeGetsAFreshLeaseAndCoordinatorsHaveNone() {
        ClusterState state = apply(apply(ClusterStates.EMPTY, registerShard("s1", 7200)),
                register("c1", "127.0.0.1:7400", NodeRole.COORDINATOR));
        leases.expired(state);
        clock.advance(Duration.ofSeconds(4));
        assertThat(leases.expired(state)).extracting(LeaseTable.Expired::nodeId).containsExactly("s1");
        ClusterState again = apply(state, registerShard("s1", 7200));
        assertThat(leases.expired(again)).isEmpty(); // incarnation 2: a new lease starts now
    }

    private static HeartbeatRequest beat(String node, long incarnation) {
        return HeartbeatRequest.newBuilder().setNodeId(node).setIncarnation(incarnation).build();
    }

    private static ClusterState apply(ClusterState s, MetaCommand c) {
        return StateTransitions.apply(s, c).state();
    }
}
