package dev.quarry.shard.node;

import dev.quarry.shard.replica.ReplicaOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of one shard-server process.
 *
 * @param nodeId           stable node id (its replicas' data lives under {@code dataDir})
 * @param host             address to bind and advertise
 * @param port             gRPC port (0 = ephemeral)
 * @param dataDir          where the replicas' Lucene indices live
 * @param kafkaBootstrap   Kafka bootstrap servers
 * @param metaAddresses    raft-meta client addresses, comma-separated
 * @param replicaOptions   commit interval and tombstone GC window of the replicas
 * @param maxPollRecords   records per apply batch; bounds memory under a backlog
 */
public record ShardNodeConfig(String nodeId, String host, int port, Path dataDir, String kafkaBootstrap, String metaAddresses,
                              ReplicaOptions replicaOptions, int maxPollRecords) {
    public static final int DEFAULT_MAX_POLL_RECORDS = 2_000;
    /** Peer recovery copy rate: 200 MiB/s leaves room for queries and ingest on the source. */
    public static final long DEFAULT_RECOVERY_BYTES_PER_SECOND = 200L << 20;

    /** How fast a new replica copies a peer's files. */
    public long recoveryBytesPerSecond() {
        return DEFAULT_RECOVERY_BYTES_PER_SECOND;
    }

    public ShardNodeConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(dataDir, "dataDir");
        if (nodeId.isBlank() || !nodeId.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("node id must be letters, digits, '.', '_' or '-': '" + nodeId + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(replicaOptions, "replicaOptions");
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("max poll records must be positive");
        }
    }

    public static ShardNodeConfig of(String nodeId, String host, int port, Path dataDir, String kafkaBootstrap, String metaAddresses) {
        return new ShardNodeConfig(nodeId, host, port, dataDir, kafkaBootstrap, metaAddresses, ReplicaOptions.DEFAULTS, DEFAULT_MAX_POLL_RECORDS);
    }
}
