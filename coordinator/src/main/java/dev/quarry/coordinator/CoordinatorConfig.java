package dev.quarry.coordinator;

import dev.quarry.coordinator.admission.AdmissionConfig;
import java.util.Objects;

/**
 * Settings of a coordinator process.
 *
 * @param host              address to bind
 * @param port              public gRPC port (0 = ephemeral); default 7400
 * @param kafkaBootstrap    Kafka bootstrap servers (index topics are created there)
 * @param metaAddresses     raft-meta client addresses, comma-separated
 * @param topicReplication  replication factor of new index topics (1 for a single broker, 3 in production)
 * @param search            read-path tunables: cursors, cache, hedging
 * @param admission         admission control of Search and Get (rates, concurrency limit, wait queue)
 */
public record CoordinatorConfig(String host, int port, String kafkaBootstrap, String metaAddresses, short topicReplication,
                                SearchOptions search, AdmissionConfig admission) {
    public static final int DEFAULT_PORT = 7400;

    public CoordinatorConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (topicReplication < 1) {
            throw new IllegalArgumentException("topic replication factor must be at least 1");
        }
        Objects.requireNonNull(search, "search");
        Objects.requireNonNull(admission, "admission");
    }

    /** With the default read path and admission control. */
    public CoordinatorConfig(String host, int port, String kafkaBootstrap, String metaAddresses, short topicReplication) {
        this(host, port, kafkaBootstrap, metaAddresses, topicReplication, SearchOptions.DEFAULTS, AdmissionConfig.defaults());
    }

    public CoordinatorConfig withAdmission(AdmissionConfig admission) {
        return new CoordinatorConfig(host, port, kafkaBootstrap, metaAddresses, topicReplication, search, admission);
    }

    public CoordinatorConfig withSearch(SearchOptions search) {
        return new CoordinatorConfig(host, port, kafkaBootstrap, metaAddresses, topicReplication, search, admission);
    }
}
