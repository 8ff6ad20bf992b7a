package dev.quarry.cli.chaos;

import java.util.List;

/**
 * Everything one run of a chaos scenario measured: the record behind {@code <run>.json}, the
 * Markdown report and the chart. Times are seconds since the start of the load ({@code t = 0}).
 *
 * @param scenario      e.g. {@code hot-shard}
 * @param name          {@code mitigated} or {@code no-mitigation}; also the file name of the run's JSON and PNG
 * @param mitigations   whether adaptive replica selection, hedging, admission control and hot-shard replicas were on
 * @param startedAt     ISO-8601 instant of {@code t = 0}
 * @param durationSec   the load's planned length
 * @param cluster       the cluster the run used
 * @param hotShard      the shard the storm targets, {@code index/shard}
 * @param phases        the timeline's phases, in order
 * @param faults        the faults and restarts, in the order they happened
 * @param samples       one per second of load
 * @param phaseStats    per phase, what clients saw
 * @param mitigation    what the mitigations did, in numbers
 * @param invariants    the checks made at the end; the run fails if any did not pass
 * Thread-safety: immutable.
 */
public record ChaosRun(String scenario, String name, boolean mitigations, String startedAt, int durationSec, ClusterShape cluster,
                       String hotShard, List<Phase> phases, List<FaultEvent> faults, List<Sample> samples, List<PhaseStats> phaseStats,
                       MitigationStats mitigation, List<InvariantResult> invariants) {
    public ChaosRun {
        phases = List.copyOf(phases);
        faults = List.copyOf(faults);
        samples = List.copyOf(samples);
        phaseStats = List.copyOf(phaseStats);
        invariants = List.copyOf(invariants);
    }

    /** True when every invariant passed. */
    public boolean passed() {
        return invariants.stream().allMatch(InvariantResult::passed);
    }

    /** The processes and data of the run. */
    public record ClusterShape(int kafkaBrokers, int metaPeers, int shardServers, int shards, int replicas, long documents) {}

    /** A named stretch of the timeline, {@code [startSec, endSec)}. */
    public record Phase(String name, double startSec, double endSec) {}

    /**
     * A fault or a repair.
     *
     * @param kind   {@code LATENCY}, {@code LATENCY_CLEARED}, {@code KILL}, {@code RESTART}, {@code STORM_START}, {@code STORM_END}
     * @param target a process or replica, e.g. {@code shard-3} or {@code meta-2 (leader)}
     * @param detail free text, e.g. {@code 50 ms on packages/2}
     */
    public record FaultEvent(double atSec, String kind, String target, String detail) {}

    /**
     * One second of load. Latencies are of interactive queries completed in that second (NaN if none).
     *
     * @param interactiveOk     interactive queries answered
     * @param batchOk           batch queries answered
     * @param writesAcked       writes acknowledged (steady writes and storm updates)
     * @param errors            interactive and batch queries that failed other than by shedding
     * @param shedInteractive   interactive queries refused with RESOURCE_EXHAUSTED
     * @param shedBatch         batch queries refused with RESOURCE_EXHAUSTED
     * @param hotShardReplicas  replicas of the hot shard in the cluster state (any state but RETIRING), -1 if unknown
     * @param hotShardLag       largest apply lag (records) over the hot shard's replicas, -1 if unknown
     */
    public record Sample(double tSec, double p50Ms, double p95Ms, double p99Ms, int interactiveOk, int batchOk, int writesAcked,
                        int errors, int shedInteractive, int shedBatch, int hotShardReplicas, long hotShardLag) {}

    /** What the interactive and batch clients saw during one phase. */
    public record PhaseStats(String phase, long interactive, double p50Ms, double p95Ms, double p99Ms, long interactiveErrors,
                             long interactiveShed, long batch, long batchShed, long batchErrors, long writesAcked) {}

    /**
     * What the mitigations did, read from the coordinator's and raft-meta's metrics and state.
     *
     * @param hedgesSent           hedged shard requests sent
     * @param hedgesWon            hedged requests that answered first
     * @param slowReplicaShare     share of the hot shard's requests that went to the slowed replica while it was slow (0..1, NaN if unknown)
     * @param maxHotShardReplicas  most replicas the hot shard had
     * @param hotReplicaAddedAtSec when the allocator's extra replica appeared (NaN: never)
     * @param hotReplicaRetiredAtSec when it was retired again (NaN: not within the run)
     * @param lagDrainedAtSec      when the hot shard's lag was back under 1,000 records after the storm (NaN: not within the run)
     */
    public record MitigationStats(long hedgesSent, long hedgesWon, double slowReplicaShare, int maxHotShardReplicas,
                                  double hotReplicaAddedAtSec, double hotReplicaRetiredAtSec, double lagDrainedAtSec) {}

    /** One end-of-run check. */
    public record InvariantResult(String name, boolean passed, String detail) {}
}
