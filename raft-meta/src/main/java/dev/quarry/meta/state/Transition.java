package dev.quarry.meta.state;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommandResponse;
import java.util.Objects;

/** The outcome of applying one accepted command: the next state and the reply to the submitter. */
public record Transition(ClusterState state, MetaCommandResponse response) {
    public Transition {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(response, "response");
    }
}
