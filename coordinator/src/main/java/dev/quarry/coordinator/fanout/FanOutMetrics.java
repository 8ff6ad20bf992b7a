package dev.quarry.coordinator.fanout;

import dev.quarry.coordinator.select.ReplicaStats;
import dev.quarry.coordinator.select.ShardKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The fan-out's meters: shard call latency per shard (p50/p95/p99), fan-outs, hedges sent, won and
 * held back, shadow requests. Thread-safety: Micrometer meters are thread-safe; timers are cached in a concurrent map.
 */
public final class FanOutMetrics {
    private final MeterRegistry registry;
    private final Counter fanOuts;
    private final Counter hedgesSent;
    private final Counter hedgesWon;
    private final Counter hedgesHeld;
    private final Counter shadows;
    private final Map<ShardKey, Timer> shardTimers = new ConcurrentHashMap<>();
    private final Map<ReplicaStats, Counter> replicaCalls = new ConcurrentHashMap<>();

    public FanOutMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.fanOuts = registry.counter("quarry_coordinator_fanouts_total");
        this.hedgesSent = registry.counter("quarry_coordinator_hedges_sent_total");
        this.hedgesWon = registry.counter("quarry_coordinator_hedges_won_total");
        this.hedgesHeld = Counter.builder("quarry_coordinator_hedges_held_total")
                .description("hedges due but not sent: the next replica was at least as busy as the one awaited").register(registry);
        this.shadows = registry.counter("quarry_coordinator_shadow_requests_total");
    }

    void fanOut() {
        fanOuts.increment();
    }

    void hedgeSent() {
        hedgesSent.increment();
    }

    void hedgeWon() {
        hedgesWon.increment();
    }

    void hedgeHeld() {
        hedgesHeld.increment();
    }

    void shadowSent() {
        shadows.increment();
    }

    /**
     * A call sent to one replica (first tries, fall-backs and hedges; not shadows): where the load went. Keyed by the
     * replica's {@link ReplicaStats} (one per node, index and shard), so the hot path builds no key.
     */
    void replicaCall(ReplicaStats replica, String index, int shard, String node) {
        replicaCalls.computeIfAbsent(replica, k -> Counter.builder("quarry_coordinator_replica_calls_total")
                        .description("shard calls sent to one replica (first tries, fall-backs and hedges)")
                        .tags("index", index, "shard", Integer.toString(shard), "node", node)
                        .register(registry))
                .increment();
    }

    void shardLatency(String index, int shard, long nanos) {
        shardTimers.computeIfAbsent(new ShardKey(index, shard), k -> Timer.builder("quarry_coordinator_shard_latency")
                        .description("one shard call, as seen by the coordinator")
                        .tags("index", index, "shard", Integer.toString(shard))
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public double fanOuts() {
        return fanOuts.count();
    }

    public double hedgesSent() {
        return hedgesSent.count();
    }

    public double hedgesWon() {
        return hedgesWon.count();
    }
}
