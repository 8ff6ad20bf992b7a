package dev.quarry.meta.liveness;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatVerdict;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.ShardLoad;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The leader's in-memory leases of the nodes that heartbeat ({@code SHARD} and {@code SUGGEST}
 * roles; coordinators do not). Nothing here goes through the Raft log: a heartbeat renews a lease
 * in this table only, and only an expiry produces a command ({@code NodeDown}).
 *
 * <p>Rules: a heartbeat is {@code REREGISTER} when the node is unknown, marked down, or carries an
 * older incarnation than the state's (it is fenced); otherwise the lease of that incarnation ends
 * {@code lease} after the heartbeat. A node that is alive in the state but has no lease for its
 * current incarnation (it just registered, or this peer just became leader) is given a full lease
 * from the moment this table first sees it, so a new leader never declares a node dead for silence
 * it did not witness. {@link #expired} names alive nodes whose lease ended.
 *
 * <p>Thread-safety: all methods are {@code synchronized} on this table; heartbeats arrive on gRPC
 * threads, {@link #expired} runs on the leader-duties thread. Time comes from the injected clock.
 */
public final class LeaseTable {
    /** One node's lease and the shard loads its last heartbeat carried. */
    public record Lease(long incarnation, long expiresAtMillis, List<ShardLoad> loads) {
        public Lease {
            loads = List.copyOf(loads);
        }
    }

    /** A node whose lease ran out, with the incarnation to name in {@code NodeDown}. */
    public record Expired(String nodeId, long incarnation) {}

    private final Clock clock;
    private final long leaseMillis;
    /** Guarded by {@code this}. */
    private final Map<String, Lease> leases = new HashMap<>();

    public LeaseTable(Clock clock, Duration lease) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (lease.toMillis() < 1) {
            throw new IllegalArgumentException("lease must be positive");
        }
        this.leaseMillis = lease.toMillis();
    }

    public long leaseMillis() {
        return leaseMillis;
    }

    /** Handles one heartbeat against the leader's applied state. */
    public synchronized HeartbeatVerdict heartbeat(ClusterState state, HeartbeatRequest request) {
        NodeInfo node = state.getNodesMap().get(request.getNodeId());
        if (node == null || !node.getAlive() || request.getIncarnation() < node.getIncarnation()) {
            return HeartbeatVerdict.REREGISTER;
        }
        if (request.getIncarnation() > node.getIncarnation()) {
            // Cannot happen on a leader that applied the registration; treat it as not ours to judge.
            return HeartbeatVerdict.HEARTBEAT_VERDICT_UNSPECIFIED;
        }
        leases.put(node.getId(), new Lease(node.getIncarnation(), clock.millis() + leaseMillis, request.getShardsList()));
        return HeartbeatVerdict.ACCEPTED;
    }

    /** Alive heartbeating nodes whose lease of the current incarnation has ended. */
    public synchronized List<Expired> expired(ClusterState state) {
        long now = clock.millis();
        List<Expired> out = new ArrayList<>();
        for (String id : state.getNodesMap().keySet().stream().sorted().toList()) {
            NodeInfo node = state.getNodesMap().get(id);
            if (!node.getAlive() || !(node.getRole() == NodeRole.SHARD || node.getRole() == NodeRole.SUGGEST)) {
                continue;
            }
            Lease lease = leases.get(id);
            if (lease == null || lease.incarnation() != node.getIncarnation()) {
                leases.put(id, new Lease(node.getIncarnation(), now + leaseMillis, List.of()));
            } else if (lease.expiresAtMillis() <= now) {
                out.add(new Expired(id, node.getIncarnation()));
            }
        }
        leases.keySet().retainAll(state.getNodesMap().keySet());
        return out;
    }

    /** The shard loads last reported by live leases, by node. */
    public synchronized Map<String, List<ShardLoad>> loads() {
        long now = clock.millis();
        Map<String, List<ShardLoad>> out = new HashMap<>();
        leases.forEach((id, lease) -> {
            if (lease.expiresAtMillis() > now) {
                out.put(id, lease.loads());
            }
        });
        return out;
    }

    /** Forgets everything (on losing leadership: the next leader starts its own leases). */
    public synchronized void clear() {
        leases.clear();
    }
}
