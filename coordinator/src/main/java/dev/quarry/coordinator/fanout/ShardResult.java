package dev.quarry.coordinator.fanout;

import dev.quarry.proto.v1.ShardQueryResponse;
import io.grpc.Status;

/** What one shard contributed to a fan-out: an answer, or why there is none. */
public sealed interface ShardResult {
    int shard();

    /** The replica that answered. */
    record Answer(int shard, String node, ShardQueryResponse response) implements ShardResult {}

    /** No replica answered; {@code status} is the last failure's. */
    record Failure(int shard, String node, Status status) implements ShardResult {
        public String reason() {
            return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        }
    }
}
