package dev.quarry.coordinator.routing;

import dev.quarry.ingest.routing.Partitioner;
import dev.quarry.ingest.schema.IndexSchema;
import java.util.List;

/** Where an index lives: its schema, partition count and shards. */
public record IndexRoute(String name, IndexSchema schema, String schemaJson, int partitions, List<ShardRoute> shards) {
    public IndexRoute {
        shards = List.copyOf(shards);
    }

    /** The shard that owns document {@code id} (through the id's partition). */
    public ShardRoute shardFor(String id) {
        int p = Partitioner.partitionFor(id, partitions);
        for (ShardRoute s : shards) {
            if (s.partitions().contains(p)) {
                return s;
            }
        }
        throw new IllegalStateException("no shard owns partition " + p + " of index " + name);
    }
}
