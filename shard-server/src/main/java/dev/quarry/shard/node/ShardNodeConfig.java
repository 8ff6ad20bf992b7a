package dev.quarry.shard.node;

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
 * @param commitIntervalMs how often a replica commits (the restart point); default 5 s
 * @param maxPollRecords   records per apply batch; bounds memory under a backlog
 */
public record ShardNodeConfig(String nodeId, String host, int port, Path dataDir, String kafkaBootstrap, String metaAddresses,
                              long commitIntervalMs, int maxPollRecords) {
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 5_000;
    public static final int DEFAULT_MAX_POLL_RECORDS = 2_000;

    public ShardNodeConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(dataDir, "dataDir");
        if (nodeId.isBlank() || !nodeId.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("node id must be letters, digits, '.', '_' or '-': '" + nodeId + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (commitIntervalMs < 10) {
            throw new IllegalArgumentException("commit interval must be at least 10 ms");
        }
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("max poll records must be positive");
        }
    }

    public static ShardNodeConfig of(String nodeId, String host, int port, Path dataDir, String kafkaBootstrap, String metaAddresses) {
        return new ShardNodeConfig(nodeId, host, port, dataDir, kafkaBootstrap, metaAddresses, DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_MAX_POLL_RECORDS);
    }
}
