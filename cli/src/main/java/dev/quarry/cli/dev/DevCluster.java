package dev.quarry.cli.dev;

import dev.quarry.cli.kafka.EmbeddedKafka;
import dev.quarry.cli.role.SuggestServer;
import dev.quarry.common.metrics.MetricsEndpoint;
import dev.quarry.coordinator.CoordinatorConfig;
import dev.quarry.coordinator.CoordinatorServer;
import dev.quarry.coordinator.admission.AdmissionConfig;
import dev.quarry.meta.server.MetaServer;
import dev.quarry.meta.server.MetaServerConfig;
import dev.quarry.shard.node.ShardNode;
import dev.quarry.shard.node.ShardNodeConfig;
import dev.quarry.shard.replica.ReplicaOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Quarry cluster in one JVM: a real Kafka broker (KRaft), a one-peer Ratis metadata group,
 * N shard servers, a coordinator and a suggest server, all over real sockets. {@code quarry dev}
 * runs one on the default ports; integration tests run one on ephemeral ports
 * ({@code DevCluster.builder().ephemeralPorts()}).
 * Thread-safety: start, stop and close from one thread; the accessors may be read from any thread.
 */
public final class DevCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DevCluster.class);

    private final Builder b;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EmbeddedKafka kafka;
    private MetaServer meta;
    private final List<ShardNode> shards = new ArrayList<>();
    private final List<ShardNodeConfig> shardConfigs = new ArrayList<>();
    private CoordinatorServer coordinator;
    private MetricsEndpoint coordinatorMetrics;
    private SuggestServer suggest;

    private DevCluster(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    private void start() throws Exception {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start(b.dataDir.resolve("kafka"), b.host, b.kafkaPort, b.kafkaControllerPort);
        int metaPort = b.metaPort == 0 ? freePort() : b.metaPort;
        int raftPort = b.metaPort == 0 ? freePort() : b.metaPort + 1;
        meta = MetaServer.start(MetaServerConfig.builder().nodeId("n1").bindHost(b.host).clientPort(metaPort)
                .peers("n1=" + b.host + ":" + raftPort).storageDir(b.dataDir.resolve("meta/n1")).build());
        for (int i = 0; i < b.shardServers; i++) {
            int port = b.shardBasePort == 0 ? 0 : b.shardBasePort + 10 * i;
            ShardNodeConfig cfg = new ShardNodeConfig("shard-" + (i + 1), b.host, port, b.dataDir.resolve("shard-" + (i + 1)),
                    kafka.bootstrap(), metaAddress(), b.replicaOptions(), ShardNodeConfig.DEFAULT_MAX_POLL_RECORDS);
            shardConfigs.add(cfg);
            shards.add(ShardNode.start(cfg, metrics, b.inProcessShards));
        }
        coordinator = CoordinatorServer.start(new CoordinatorConfig(b.host, b.coordinatorPort, kafka.bootstrap(), metaAddress(), (short) 1)
                .withAdmission(b.admission).withSearch(b.search), metrics);
        coordinatorMetrics = MetricsEndpoint.start(b.host, b.coordinatorPort == 0 ? 0 : b.coordinatorPort + 1, metrics);
        suggest = SuggestServer.start(new SuggestServer.Config("suggest-1", b.host, b.suggestPort, b.dataDir.resolve("suggest"),
                kafka.bootstrap(), metaAddress(), coordinatorAddress()), metrics);
        log.info("dev cluster up in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    public String kafkaBootstrap() {
        return kafka.bootstrap();
    }

    public String metaAddress() {
        return b.host + ":" + meta.clientPort();
    }

    public String coordinatorAddress() {
        return b.host + ":" + coordinator.port();
    }

    public String suggestUrl() {
        return suggest.url();
    }

    /** The suggest node's indexes (tests force snapshots and compare answers through it). */
    public dev.quarry.suggest.SuggestIndexRegistry suggestRegistry() {
        return suggest.registry();
    }

    public String coordinatorMetricsUrl() {
        return "http://" + b.host + ":" + coordinatorMetrics.port() + "/metrics";
    }

    public List<String> shardAddresses() {
        return shards.stream().map(s -> s == null ? "(stopped)" : s.address()).toList();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** Stops shard server {@code i} cleanly (commit, close); its data stays. */
    public void stopShard(int i) {
        ShardNode s = shards.set(i, null);
        if (s != null) {
            s.close();
        }
    }

    /** Starts shard server {@code i} again on its data directory (and a new port when ephemeral). */
    public void startShard(int i) throws IOException {
        if (shards.get(i) == null) {
            shards.set(i, ShardNode.start(shardConfigs.get(i), metrics, b.inProcessShards));
        }
    }

    /** Starts one more shard server (with the next node id); returns its index. */
    public int addShardServer() throws IOException {
        int i = shards.size();
        ShardNodeConfig cfg = new ShardNodeConfig("shard-" + (i + 1), b.host, 0, b.dataDir.resolve("shard-" + (i + 1)),
                kafka.bootstrap(), metaAddress(), b.replicaOptions(), ShardNodeConfig.DEFAULT_MAX_POLL_RECORDS);
        shardConfigs.add(cfg);
        shards.add(ShardNode.start(cfg, metrics, b.inProcessShards));
        return i;
    }

    public ShardNode shard(int i) {
        return shards.get(i);
    }

    @Override
    public void close() {
        closeQuietly(suggest);
        closeQuietly(coordinatorMetrics);
        closeQuietly(coordinator);
        for (int i = shards.size() - 1; i >= 0; i--) {
            closeQuietly(shards.get(i));
        }
        closeQuietly(meta);
        closeQuietly(kafka);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Fluent set-up; defaults are the documented dev ports (INTERFACES.md). */
    public static final class Builder {
        private Path dataDir = Path.of(".quarry", "dev");
        private String host = "127.0.0.1";
        private int kafkaPort = 9092;
        private int kafkaControllerPort = 9093;
        private int metaPort = 7100;
        private int shardBasePort = 7200;
        private int coordinatorPort = 7400;
        private int suggestPort = 7600;
        private int shardServers = 2;
        private boolean inProcessShards;
        private long commitIntervalMs = ReplicaOptions.DEFAULT_COMMIT_INTERVAL_MS;
        private int applyNice = ReplicaOptions.DEFAULTS.applyNice();
        private AdmissionConfig admission = AdmissionConfig.defaults();
        private dev.quarry.coordinator.SearchOptions search = dev.quarry.coordinator.SearchOptions.DEFAULTS;

        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Every port ephemeral: for tests and for running beside another cluster. */
        public Builder ephemeralPorts() {
            kafkaPort = kafkaControllerPort = metaPort = shardBasePort = coordinatorPort = suggestPort = 0;
            return this;
        }

        public Builder shardServers(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("shard servers must not be negative");
            }
            this.shardServers = n;
            return this;
        }

        /**
         * Whether the shard servers also serve in-process, so that the coordinator of this JVM reaches
         * them over gRPC's in-process transport instead of loopback TCP (same services; off by default).
         */
        public Builder inProcessShards(boolean on) {
            this.inProcessShards = on;
            return this;
        }

        public Builder commitIntervalMs(long ms) {
            this.commitIntervalMs = ms;
            return this;
        }

        /** Nice increment of the replicas' apply threads (0 = unchanged); see {@link ReplicaOptions}. */
        public Builder applyNice(int increment) {
            this.applyNice = increment;
            return this;
        }

        private ReplicaOptions replicaOptions() {
            return new ReplicaOptions(commitIntervalMs, ReplicaOptions.DEFAULT_TOMBSTONE_GC_WINDOW_MS, applyNice);
        }

        /** The coordinator's read path (cursor secret, result cache, hedging). */
        public Builder search(dev.quarry.coordinator.SearchOptions search) {
            this.search = java.util.Objects.requireNonNull(search, "search");
            return this;
        }

        /** The coordinator's admission control (limits, queue, client rates). */
        public Builder admission(AdmissionConfig admission) {
            this.admission = java.util.Objects.requireNonNull(admission, "admission");
            return this;
        }

        public DevCluster start() throws Exception {
            DevCluster c = new DevCluster(this);
            try {
                c.start();
                return c;
            } catch (Exception | Error e) {
                c.close();
                throw e;
            }
        }
    }
}
