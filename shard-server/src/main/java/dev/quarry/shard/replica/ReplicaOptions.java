package dev.quarry.shard.replica;

import dev.quarry.ingest.apply.OrderedApplyLoop;
import dev.quarry.ingest.apply.ThreadNiceness;

/**
 * Tunables of every replica on a node.
 *
 * @param commitIntervalMs    how often a replica commits (its restart point); default 5 s
 * @param tombstoneGcWindowMs how long a delete's version is kept, in log time; default 10 min
 * @param applyNice           nice increment of each replica's apply thread (0..19, 0 = unchanged), so that refreshes and
 *                            searches get the cores first when they are contended; default
 *                            {@value OrderedApplyLoop#DEFAULT_NICE_INCREMENT} (see there for what it measured)
 */
public record ReplicaOptions(long commitIntervalMs, long tombstoneGcWindowMs, int applyNice) {
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 5_000;
    public static final long DEFAULT_TOMBSTONE_GC_WINDOW_MS = 10 * 60_000;
    public static final ReplicaOptions DEFAULTS = new ReplicaOptions(DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_TOMBSTONE_GC_WINDOW_MS,
            OrderedApplyLoop.DEFAULT_NICE_INCREMENT);

    public ReplicaOptions {
        if (commitIntervalMs < 10) {
            throw new IllegalArgumentException("commit interval must be at least 10 ms");
        }
        if (tombstoneGcWindowMs < 0) {
            throw new IllegalArgumentException("tombstone GC window must not be negative");
        }
        ThreadNiceness.checkIncrement(applyNice);
    }
}
