package dev.quarry.coordinator.admin;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;

/** What the coordinator needs of raft-meta: the latest state it has seen, and command submission. */
public interface MetaGateway {
    /** The newest cluster state this coordinator has received. */
    ClusterState state();

    /** Commits a command through Raft; throws a gRPC status exception when raft-meta refuses it. */
    MetaCommandResponse submit(MetaCommand command);

    /** Waits (bounded) until this coordinator has seen state {@code version} or newer. */
    boolean awaitVersion(long version, java.time.Duration timeout);

    /** The Raft view (leader, term, peers) of a raft-meta peer; empty when none answers. */
    default java.util.Optional<dev.quarry.proto.v1.MetaStatusResponse> metaStatus() {
        return java.util.Optional.empty();
    }
}
