package dev.quarry.common.meta;

import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatResponse;
import dev.quarry.proto.v1.HeartbeatVerdict;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeDownCommand;
import dev.quarry.proto.v1.ShardLoad;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of liveness: every {@code interval} sends {@code Heartbeat(node, incarnation,
 * load)} to the raft-meta leader (the {@link MetaClient} moves past non-leaders). When the leader
 * answers {@code REREGISTER} the incarnation is fenced: the heartbeater marks itself
 * {@linkplain #fenced() fenced}, calls {@link Fencing#reregister} (which must stop serving under the
 * old incarnation, register again and return the new incarnation), and carries on with the new
 * one. If re-registration fails it stays fenced and tries again on the next tick.
 *
 * <p>A heartbeat that cannot reach the leader is only logged: raft-meta decides liveness, and a
 * node that was marked down in the meantime learns it from the next answered heartbeat.
 *
 * <p>Thread-safety: ticks run on one scheduler thread; {@link #incarnation}, {@link #fenced} and
 * {@link #paused} are volatile so that other threads may read them (and tests may pause).
 */
public final class Heartbeater implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeater.class);

    /** Called on the heartbeat thread when the current incarnation is fenced. */
    @FunctionalInterface
    public interface Fencing {
        /** Stop serving under {@code fencedIncarnation}, register again, return the new incarnation. */
        long reregister(long fencedIncarnation);
    }

    private final MetaClient meta;
    private final String nodeId;
    private final Duration interval;
    private final Supplier<List<ShardLoad>> load;
    private final Fencing fencing;
    private final ScheduledExecutorService scheduler;
    private volatile long incarnation;
    private volatile boolean fenced;
    private volatile boolean paused;

    private Heartbeater(MetaClient meta, String nodeId, long incarnation, Duration interval,
            Supplier<List<ShardLoad>> load, Fencing fencing) {
        this.meta = Objects.requireNonNull(meta, "meta");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.incarnation = incarnation;
        this.interval = interval;
        this.load = Objects.requireNonNull(load, "load");
        this.fencing = Objects.requireNonNull(fencing, "fencing");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts heartbeating at once and then every {@code interval} (use a third of the lease, 1 s for
     * the default 3 s lease, so two heartbeats may be lost without losing the lease).
     */
    public static Heartbeater start(MetaClient meta, String nodeId, long incarnation, Duration interval,
            Supplier<List<ShardLoad>> load, Fencing fencing) {
        Heartbeater h = new Heartbeater(meta, nodeId, incarnation, interval, load, fencing);
        h.scheduler.scheduleWithFixedDelay(h::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return h;
    }

    public long incarnation() {
        return incarnation;
    }

    /** True from a REREGISTER answer until re-registration succeeded. */
    public boolean fenced() {
        return fenced;
    }

    /** Test hook: stops sending (as if the process were paused) until {@link #resume}. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    /** Heartbeat thread only; never throws (the scheduler would cancel the task). */
    private void tick() {
        if (paused) {
            return;
        }
        try {
            if (!fenced) {
                HeartbeatRequest request = HeartbeatRequest.newBuilder()
                        .setNodeId(nodeId).setIncarnation(incarnation).addAllShards(load.get()).build();
                HeartbeatResponse response = meta.heartbeat(request, interval);
                if (response.getVerdict() != HeartbeatVerdict.REREGISTER) {
                    return;
                }
                LOG.warn("[{}] incarnation {} is fenced by raft-meta (current {}); re-registering", nodeId,
                        incarnation, response.getCurrentIncarnation());
                fenced = true;
            }
            long next = fencing.reregister(incarnation);
            LOG.info("[{}] re-registered as incarnation {}", nodeId, next);
            incarnation = next;
            fenced = false;
        } catch (StatusRuntimeException e) {
            LOG.debug("[{}] heartbeat failed: {}", nodeId, e.getStatus());
        } catch (RuntimeException e) {
            LOG.warn("[{}] heartbeat or re-registration failed", nodeId, e);
        }
    }

    /**
     * Leaves the cluster on a graceful shutdown: stops heartbeating, then commits {@code NodeDown}
     * for this node's current incarnation, so that coordinators stop routing to it (and the leader
     * re-places its replicas) now rather than when the lease runs out. Best effort: if raft-meta
     * cannot be reached, or the incarnation is no longer the live one, the lease expiry does the
     * same a few seconds later; the failure is only logged. Call before the node stops serving.
     */
    public void deregister() {
        close();
        long inc = incarnation;
        try {
            meta.submit(MetaCommand.newBuilder().setNodeDown(NodeDownCommand.newBuilder()
                    .setId(nodeId).setIncarnation(inc)).build());
            LOG.info("[{}] deregistered (incarnation {} marked down)", nodeId, inc);
        } catch (StatusRuntimeException e) {
            LOG.warn("[{}] could not deregister incarnation {} ({}); raft-meta marks it down when its lease expires",
                    nodeId, inc, e.getStatus());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
