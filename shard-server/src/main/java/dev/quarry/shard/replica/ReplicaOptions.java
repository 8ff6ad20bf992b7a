package dev.quarry.shard.replica;

/**
 * Tunables of every replica on a node.
 *
 * @param commitIntervalMs    how often a replica commits (its restart point); default 5 s
 * @param tombstoneGcWindowMs how long a delete's version is kept, in log time; default 10 min
 */
public record ReplicaOptions(long commitIntervalMs, long tombstoneGcWindowMs) {
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 5_000;
    public static final long DEFAULT_TOMBSTONE_GC_WINDOW_MS = 10 * 60_000;
    public static final ReplicaOptions DEFAULTS = new ReplicaOptions(DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_TOMBSTONE_GC_WINDOW_MS);

    public ReplicaOptions {
        if (commitIntervalMs < 10) {
            throw new IllegalArgumentException("commit interval must be at least 10 ms");
        }
        if (tombstoneGcWindowMs < 0) {
            throw new IllegalArgumentException("tombstone GC window must not be negative");
        }
    }
}
