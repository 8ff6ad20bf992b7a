package dev.quarry.meta.liveness;

import dev.quarry.meta.alloc.AllocationPlanner;
import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.meta.error.MetaStatusMapper;
import dev.quarry.meta.ratis.MetaPeer;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.NodeDownCommand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the leader does, once per tick on one thread: commit {@code NodeDown} for expired
 * leases ({@link LeaseTable}), scale hot shards ({@link HotShardDetector}), and submit the
 * allocator's plan ({@link AllocationPlanner}). Every decision is a command through the Raft log,
 * validated again when applied, so a decision taken by a leader that was just deposed is refused
 * or harmless. Runs on every peer, acts only while this peer is the ready leader; on losing
 * leadership the leases and hot-shard timers are dropped (a new leader starts its own).
 *
 * <p>Thread-safety: {@link #tick} runs only on the single scheduler thread; {@link #wasLeader} and
 * the detector are confined to it. The lease table is shared with gRPC threads and is itself
 * thread-safe.
 */
public final class LeaderDuties implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);
    /** Bound for one decision's commit; the next tick retries anyway. */
    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(5);

    private final MetaPeer peer;
    private final LeaseTable leases;
    private final HotShardDetector hotShards;
    private final ScheduledExecutorService scheduler;
    /** Scheduler thread only. */
    private boolean wasLeader;

    public LeaderDuties(MetaPeer peer, LeaseTable leases, HotShardDetector hotShards, Duration interval) {
        this.peer = peer;
        this.leases = leases;
        this.hotShards = hotShards;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meta-leader-duties-" + peer.nodeId());
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Never throws: a scheduled task that throws is silently cancelled. */
    private void tick() {
        try {
            if (!peer.isLeaderReady()) {
                if (wasLeader) {
                    LOG.info("Meta peer {} is no longer leader; dropping leases", peer.nodeId());
                    leases.clear();
                    hotShards.reset();
                    wasLeader = false;
                }
                return;
            }
            wasLeader = true;
            for (LeaseTable.Expired e : leases.expired(peer.current())) {
                LOG.info("Lease of node {} (incarnation {}) expired; marking it down", e.nodeId(), e.incarnation());
                submit(MetaCommand.newBuilder().setNodeDown(NodeDownCommand.newBuilder()
                        .setId(e.nodeId()).setIncarnation(e.incarnation())).build());
            }
            submitAll(hotShards.evaluate(peer.current(), leases.loads()));
            submitAll(AllocationPlanner.plan(peer.current()));
        } catch (RuntimeException e) {
            LOG.warn("Leader duties on {} failed; retrying next tick", peer.nodeId(), e);
        }
    }

    private void submitAll(List<MetaCommand> commands) {
        for (MetaCommand c : commands) {
            if (!submit(c)) {
                return; // the state moved under us: plan again from the new one next tick
            }
        }
    }

    private boolean submit(MetaCommand command) {
        try {
            peer.submit(command, SUBMIT_TIMEOUT).get();
            LOG.debug("Leader {} committed {}", peer.nodeId(), command);
            return true;
        } catch (ExecutionException e) {
            LOG.debug("Leader {}: {} not applied: {}", peer.nodeId(), command.getCommandCase(),
                    MetaStatusMapper.classify(e.getCause()).getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
