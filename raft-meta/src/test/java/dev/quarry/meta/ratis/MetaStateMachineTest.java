package dev.quarry.meta.ratis;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The apply path without a Raft server: committed entries are fed in as a follower would see them. */
class MetaStateMachineTest {
    private final MetaStateMachine machine = new MetaStateMachine();
    private long index;

    private MetaCommandResponse apply(MetaCommand command) {
        return apply(ByteString.copyFrom(command.toByteArray()));
    }

    private MetaCommandResponse apply(ByteString data) {
        LogEntryProto entry = LogEntryProto.newBuilder()
                .setTerm(1)
                .setIndex(++index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(data))
                .build();
        TransactionContext trx = TransactionContext.newBuilder()
                .setStateMachine(machine)
                .setServerRole(RaftPeerRole.FOLLOWER)
                .setLogEntry(entry)
                .build();
        Message reply = machine.applyTransaction(trx).join();
        return ApplyReply.decode(reply.getContent());
    }

    @Test
    void appliesCommandsInLogOrderAndNotifiesListeners() {
        List<Long> seen = new CopyOnWriteArrayList<>();
        machine.addListener(s -> seen.add(s.getVersion()));

        assertThat(apply(registerShard("s1", 7200)).getIncarnation()).isEqualTo(1);
        assertThat(apply(createIndex("docs", 4, 2, 1)).getVersion()).isEqualTo(2);

        assertThat(machine.current().getIndicesMap()).containsKey("docs");
        assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(2);
        assertThat(seen).containsExactly(1L, 2L);
    }

    @Test
    void anEntryThatBecameInvalidIsSkippedButItsPositionIsApplied() {
        apply(createIndex("docs", 4, 2, 1));
        ClusterState before = machine.current();

        // Two creates of one name were both accepted by the leader; the second loses at apply time.
        assertThatThrownBy(() -> apply(createIndex("docs", 8, 2, 1)))
                .isInstanceOfSatisfying(MetaException.class,
                        e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.ALREADY_EXISTS));
        assertThatThrownBy(() -> apply(ByteString.copyFromUtf8("not a protobuf \u0000\u00ff")))
                .isInstanceOfSatisfying(MetaException.class,
                        e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.INVALID_ARGUMENT));

        assertThat(machine.current()).isSameAs(before);
        assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(3);
    }

    @Test
    void queryReturnsTheDeterministicState() throws Exception {
        apply(registerShard("s1", 7200));
        apply(createIndex("docs", 4, 2, 1));
        Message reply = machine.query(MetaStateMachine.GET_STATE).join();
        assertThat(reply.getContent().toByteArray()).isEqualTo(ClusterStates.toDeterministicBytes(machine.current()));
        assertThat(machine.query(Message.valueOf("other"))).isCompletedExceptionally();
    }
}
