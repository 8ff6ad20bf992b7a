package dev.quarry.cli.chaos;

import java.util.List;

/**
 * When things happen in a hot-shard run of {@code durationSec} seconds, as fractions of it, so a
 * 60 s test and a 10 min demonstration follow the same script:
 * <pre>
 *   0%   baseline: interactive queries (Zipf) + steady acknowledged writes
 *  25%   hot: update storm on one shard's keys + batch query flood
 *  32%     50 ms of latency injected into replica A of the hot shard
 *  50%   faults (storm, flood and latency go on): kill -9 of the shard server holding replica B of the hot shard
 *  57%     kill -9 of the raft-meta leader
 *  65%     the killed processes restarted
 *  75%   recovery: storm and flood stop, latency cleared
 * 100%   load stops; the run waits until the cluster is healthy, then checks the invariants
 * </pre>
 * The hot phase is what the mitigations answer for (a hot shard, a slow replica, a batch flood); the
 * faults phase adds dead processes and restarting ones, whose start-up on a small machine takes CPU
 * from every other process, and is measured on its own.
 * Thread-safety: immutable.
 */
public record HotShardTimeline(int durationSec) {
    public static final int MIN_DURATION_SEC = 30;

    public HotShardTimeline {
        if (durationSec < MIN_DURATION_SEC) {
            throw new IllegalArgumentException("--duration must be at least " + MIN_DURATION_SEC + " s (the timeline needs room), got " + durationSec);
        }
    }

    public double hotStart() {
        return at(0.25);
    }

    public double latencyAt() {
        return at(0.32);
    }

    public double killReplicaAt() {
        return at(0.50);
    }

    public double killMetaLeaderAt() {
        return at(0.57);
    }

    public double restartAt() {
        return at(0.65);
    }

    public double hotEnd() {
        return at(0.75);
    }

    /** The planned phases. */
    public List<ChaosRun.Phase> phases() {
        return phases(hotStart(), killReplicaAt(), hotEnd(), durationSec);
    }

    /** Baseline until the storm starts, hot until the first kill, faults until the storm ends, recovery until the load stops. */
    public static List<ChaosRun.Phase> phases(double stormStart, double firstKill, double stormEnd, double end) {
        return List.of(new ChaosRun.Phase("baseline", 0, stormStart), new ChaosRun.Phase("hot", stormStart, firstKill),
                new ChaosRun.Phase("faults", firstKill, stormEnd), new ChaosRun.Phase("recovery", stormEnd, end));
    }

    private double at(double fraction) {
        return Math.round(durationSec * fraction * 10) / 10.0;
    }
}
