package dev.quarry.coordinator.select;

/**
 * One shard of one index, as a map key for what the coordinator keeps per shard (latency window, timer,
 * result-cache generation): looked up on every shard call, so no string is built for it. Immutable.
 */
public record ShardKey(String index, int shard) {}
