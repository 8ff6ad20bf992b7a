package dev.quarry.shard.replica;

import dev.quarry.ingest.schema.IndexSchema;
import java.util.List;

/** What a replica is a copy of: one shard of one index and the partitions that shard owns. */
public record ReplicaSpec(String index, int shard, IndexSchema schema, List<Integer> partitions) {
    public ReplicaSpec {
        partitions = List.copyOf(partitions);
    }

    /** {@code index/shard}, for logs and thread names. */
    public String key() {
        return index + "/" + shard;
    }
}
