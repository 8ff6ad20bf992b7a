package dev.quarry.shard.node;

import dev.quarry.common.meta.Heartbeater;
import dev.quarry.common.meta.MetaClient;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeRole;
import dev.quarry.proto.v1.RegisterNodeCommand;
import dev.quarry.proto.v1.ShardLoad;
import dev.quarry.shard.replica.ReplicaRegistry;
import dev.quarry.shard.replica.ShardReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A shard server's side of liveness: registers, heartbeats (with each open replica's apply lag and
 * recent mean query time as its load), and on fencing stops serving ({@link #fenced()}, enforced by
 * {@link FencingInterceptor}), registers again and hands the new incarnation to the node.
 *
 * <p>Thread-safety: {@link #fenced} is volatile (read by gRPC threads, written by the heartbeat
 * thread); the heartbeater is thread-safe.
 */
final class NodeLiveness implements AutoCloseable {
    /** A third of raft-meta's default 3 s lease: two lost heartbeats do not lose the lease. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    private final MetaClient meta;
    private final String nodeId;
    private final String address;
    private volatile boolean fenced;
    private Heartbeater heartbeater;

    NodeLiveness(MetaClient meta, String nodeId, String address) {
        this.meta = meta;
        this.nodeId = nodeId;
        this.address = address;
    }

    /** How long a shard server waits for raft-meta to accept its first registration. */
    static final Duration STARTUP_REGISTRATION_TIMEOUT = Duration.ofMinutes(2);

    /** Registers this node; returns the incarnation. */
    long register() {
        return register(null);
    }

    /** Registers this node, retrying for up to {@code timeout} (null: the client's call timeout); returns the incarnation. */
    long register(Duration timeout) {
        MetaCommand cmd = MetaCommand.newBuilder().setRegisterNode(RegisterNodeCommand.newBuilder()
                .setId(nodeId).setAddress(address).setRole(NodeRole.SHARD)).build();
        return (timeout == null ? meta.submit(cmd) : meta.submit(cmd, timeout)).getIncarnation();
    }

    /** Starts heartbeating; {@code onNewIncarnation} runs after a re-registration. */
    void start(long incarnation, ReplicaRegistry replicas, LongConsumer onNewIncarnation) {
        heartbeater = Heartbeater.start(meta, nodeId, incarnation, HEARTBEAT_INTERVAL, () -> loads(replicas), old -> {
            fenced = true;
            long next = register();
            onNewIncarnation.accept(next);
            fenced = false;
            return next;
        });
    }

    boolean fenced() {
        return fenced;
    }

    Heartbeater heartbeater() {
        return heartbeater;
    }

    private static List<ShardLoad> loads(ReplicaRegistry replicas) {
        List<ShardLoad> out = new ArrayList<>();
        for (ShardReplica r : replicas.all()) {
            out.add(ShardLoad.newBuilder().setIndex(r.spec().index()).setShard(r.spec().shard())
                    .setApplyLag(Math.max(0, r.lag())).setQueryLatencyMs(r.recentQueryMillis()).build());
        }
        return out;
    }

    /** Stops heartbeating and marks this incarnation down (graceful shutdown); see {@link Heartbeater#deregister}. */
    void deregister() {
        if (heartbeater != null) {
            heartbeater.deregister();
        }
    }

    @Override
    public void close() {
        if (heartbeater != null) {
            heartbeater.close();
        }
    }
}
