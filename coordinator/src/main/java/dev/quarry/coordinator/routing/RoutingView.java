package dev.quarry.coordinator.routing;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.proto.v1.ClusterState;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest {@link RoutingTable}, replaced whole whenever raft-meta publishes a newer cluster
 * state. Thread-safety: one atomic reference to an immutable table; {@link #update} is called by
 * the metadata watcher, readers never block.
 */
public final class RoutingView {
    private static final Logger log = LoggerFactory.getLogger(RoutingView.class);
    private final AtomicReference<RoutingTable> table = new AtomicReference<>(RoutingTable.EMPTY);

    public void update(ClusterState state) {
        RoutingTable next = RoutingTable.from(state);
        RoutingTable prev = table.getAndUpdate(cur -> next.stateVersion() >= cur.stateVersion() ? next : cur);
        if (next.routingEpoch() != prev.routingEpoch()) {
            log.info("routing epoch {} (state version {})", next.routingEpoch(), next.stateVersion());
        }
    }

    public RoutingTable current() {
        return table.get();
    }

    public IndexRoute require(String index) {
        if (index == null || index.isEmpty()) {
            throw CoordinatorException.invalid("index is required");
        }
        return current().index(index).orElseThrow(() -> CoordinatorException.notFound("index '" + index + "' does not exist"));
    }
}
