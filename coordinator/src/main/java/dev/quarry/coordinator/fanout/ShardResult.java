package dev.quarry.coordinator.fanout;

import io.grpc.Status;

/** What one shard contributed to a fan-out: an answer of type {@code T}, or why there is none. */
public sealed interface ShardResult<T> {
    int shard();

    /** The replica that answered. */
    record Answer<T>(int shard, String node, T response) implements ShardResult<T> {}

    /** No replica answered; {@code status} is the last failure's. */
    record Failure<T>(int shard, String node, Status status) implements ShardResult<T> {
        public String reason() {
            return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        }
    }
}
