package dev.quarry.coordinator.search;

import dev.quarry.coordinator.fanout.FanOut;
import dev.quarry.coordinator.routing.ShardRoute;
import java.util.Map;

/**
 * How one shard is asked in one phase of a search: the replica to prefer (or, strict, to use) with
 * the searcher version to pin there (0 = its newest), and the offsets a replacement must reflect.
 * A guessed pin (the version the replica last answered from, while it promised that stays its newest,
 * to reuse statistics cached for it) is sent with require_newest, so it never reads an older view than
 * an unpinned request would.
 * Immutable.
 */
record ShardPlan(ShardRoute route, String node, long version, boolean strict, Map<Integer, Long> minOffsets, boolean guessed) {
    ShardPlan {
        minOffsets = Map.copyOf(minOffsets);
    }

    ShardPlan(ShardRoute route, String node, long version, boolean strict, Map<Integer, Long> minOffsets) {
        this(route, node, version, strict, minOffsets, false);
    }

    static ShardPlan free(ShardRoute route, Map<Integer, Long> minOffsets) {
        return new ShardPlan(route, null, 0, false, minOffsets, false);
    }

    /** A pin on the version this replica last answered from: valid only while it is still the newest. */
    static ShardPlan guessed(ShardRoute route, String node, long version) {
        return new ShardPlan(route, node, version, false, Map.of(), version != 0);
    }

    int shard() {
        return route.shard();
    }

    FanOut.Target target() {
        return new FanOut.Target(route, node, strict);
    }

    /** The searcher version to ask {@code replicaNode} for: the pin on the preferred replica, the newest elsewhere. */
    long versionFor(String replicaNode) {
        return node != null && node.equals(replicaNode) ? version : 0;
    }

    ShardPlan pinned(String node, long version) {
        return new ShardPlan(route, node, version, strict, minOffsets, false);
    }
}
