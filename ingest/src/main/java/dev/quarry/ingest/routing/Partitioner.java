package dev.quarry.ingest.routing;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Maps a document id to its Kafka partition exactly as Kafka's default partitioner does for a keyed
 * record ({@code toPositive(murmur2(keyBytes)) % partitions}), so any stock producer keyed by id
 * routes documents where Quarry expects them. Thread-safety: stateless.
 */
public final class Partitioner {
    private Partitioner() {}

    public static int partitionFor(String id, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be positive: " + partitions);
        }
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
