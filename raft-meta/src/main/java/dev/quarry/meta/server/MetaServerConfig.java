package dev.quarry.meta.server;

import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.meta.ratis.PeerAddress;
import dev.quarry.meta.ratis.PeerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Configuration of one raft-meta process (a Ratis peer plus its client-facing gRPC server).
 * Validated on construction; build it with {@link #builder()}, which fills the defaults.
 *
 * <p>Keys (the CLI maps flags {@code --meta-*} and environment variables {@code QUARRY_META_*} to
 * them):
 * <table>
 *   <caption>raft-meta configuration</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>node-id</td><td>{@code n1}</td><td>this peer's id; must be one of the peers</td></tr>
 *   <tr><td>bind-host</td><td>{@code 127.0.0.1}</td><td>interface of the client gRPC server</td></tr>
 *   <tr><td>client-port</td><td>{@code 7100}</td><td>client gRPC port (MetaService); 0 = ephemeral</td></tr>
 *   <tr><td>peers</td><td>{@code <node-id>=127.0.0.1:<client-port+1>}</td>
 *       <td>the Raft group, {@code id=host:raftPort,...}; same list on every peer
 *       (conventionally 7101, 7111, 7121 for clients on 7100, 7110, 7120)</td></tr>
 *   <tr><td>storage-dir</td><td>{@code data/meta/<node-id>}</td><td>Raft log and snapshots</td></tr>
 *   <tr><td>request-timeout</td><td>{@code 10s}</td><td>bound for one Submit or linearizable read</td></tr>
 *   <tr><td>snapshot-threshold</td><td>{@code 10000}</td><td>log entries between snapshots</td></tr>
 *   <tr><td>election-timeout</td><td>{@code 500ms}</td><td>minimum Raft election timeout (max is 2x)</td></tr>
 *   <tr><td>snapshot-on-stop</td><td>{@code true}</td><td>snapshot on clean shutdown</td></tr>
 *   <tr><td>group-id</td><td>{@link PeerConfig#DEFAULT_GROUP_ID}</td><td>Raft group id; same on every peer</td></tr>
 *   <tr><td>lease</td><td>{@code 3s}</td><td>a node not heard from for this long is marked down
 *       (nodes heartbeat every {@code lease/3})</td></tr>
 *   <tr><td>duty-interval</td><td>{@code 250ms}</td><td>how often the leader checks leases and runs the allocator</td></tr>
 *   <tr><td>hot-shards</td><td>{@link HotShardDetector.Config#DEFAULTS}</td><td>hot-shard thresholds</td></tr>
 * </table>
 */
public record MetaServerConfig(
        String nodeId,
        String bindHost,
        int clientPort,
        List<PeerAddress> peers,
        Path storageDir,
        Duration requestTimeout,
        long snapshotThreshold,
        Duration electionTimeout,
        boolean snapshotOnStop,
        UUID groupId,
        Duration lease,
        Duration dutyInterval,
        HotShardDetector.Config hotShards) {

    public static final String DEFAULT_NODE_ID = "n1";
    public static final String DEFAULT_BIND_HOST = "127.0.0.1";
    public static final int DEFAULT_CLIENT_PORT = 7100;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(3);
    public static final Duration DEFAULT_DUTY_INTERVAL = Duration.ofMillis(250);

    public MetaServerConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(bindHost, "bindHost");
        if (clientPort < 0 || clientPort > 65535) {
            throw new IllegalArgumentException("client port must be 0-65535, got " + clientPort);
        }
        peers = List.copyOf(peers);
        Objects.requireNonNull(hotShards, "hotShards");
        if (lease.toMillis() < 100 || dutyInterval.toMillis() < 10 || dutyInterval.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("lease must be >= 100 ms and duty interval >= 10 ms and below the lease");
        }
        // PeerConfig checks ids, membership, storage, timeouts.
        toPeerConfig(nodeId, peers, storageDir, requestTimeout, snapshotThreshold, electionTimeout,
                snapshotOnStop, groupId);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This peer's own Raft address. */
    public PeerAddress self() {
        return toPeerConfig().self();
    }

    public PeerConfig toPeerConfig() {
        return toPeerConfig(nodeId, peers, storageDir, requestTimeout, snapshotThreshold, electionTimeout,
                snapshotOnStop, groupId);
    }

    private static PeerConfig toPeerConfig(String nodeId, List<PeerAddress> peers, Path storageDir,
            Duration requestTimeout, long snapshotThreshold, Duration electionTimeout, boolean snapshotOnStop,
            UUID groupId) {
        return new PeerConfig(nodeId, peers, storageDir, groupId, snapshotThreshold, requestTimeout,
                electionTimeout, snapshotOnStop);
    }

    /** Fills defaults; see the table on {@link MetaServerConfig}. Not thread-safe (a local builder). */
    public static final class Builder {
        private String nodeId = DEFAULT_NODE_ID;
        private String bindHost = DEFAULT_BIND_HOST;
        private int clientPort = DEFAULT_CLIENT_PORT;
        private List<PeerAddress> peers;
        private Path storageDir;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private long snapshotThreshold = DEFAULT_SNAPSHOT_THRESHOLD;
        private Duration electionTimeout = DEFAULT_ELECTION_TIMEOUT;
        private boolean snapshotOnStop = true;
        private UUID groupId = PeerConfig.DEFAULT_GROUP_ID;
        private Duration lease = DEFAULT_LEASE;
        private Duration dutyInterval = DEFAULT_DUTY_INTERVAL;
        private HotShardDetector.Config hotShards = HotShardDetector.Config.DEFAULTS;

        private Builder() {}

        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public Builder dutyInterval(Duration dutyInterval) {
            this.dutyInterval = dutyInterval;
            return this;
        }

        public Builder hotShards(HotShardDetector.Config hotShards) {
            this.hotShards = hotShards;
            return this;
        }

        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        public Builder bindHost(String bindHost) {
            this.bindHost = bindHost;
            return this;
        }

        public Builder clientPort(int clientPort) {
            this.clientPort = clientPort;
            return this;
        }

        public Builder peers(List<PeerAddress> peers) {
            this.peers = List.copyOf(peers);
            return this;
        }

        /** {@code n1=host:port,n2=host:port,...} */
        public Builder peers(String specs) {
            return peers(PeerAddress.parseList(specs));
        }

        public Builder storageDir(Path storageDir) {
            this.storageDir = storageDir;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder snapshotThreshold(long snapshotThreshold) {
            this.snapshotThreshold = snapshotThreshold;
            return this;
        }

        public Builder electionTimeout(Duration electionTimeout) {
            this.electionTimeout = electionTimeout;
            return this;
        }

        public Builder snapshotOnStop(boolean snapshotOnStop) {
            this.snapshotOnStop = snapshotOnStop;
            return this;
        }

        public Builder groupId(UUID groupId) {
            this.groupId = groupId;
            return this;
        }

        public MetaServerConfig build() {
            List<PeerAddress> group = peers;
            if (group == null) {
                if (clientPort == 0) {
                    throw new IllegalArgumentException(
                            "with an ephemeral client port the raft port cannot be derived; give the peers explicitly");
                }
                if (clientPort == 65535) {
                    throw new IllegalArgumentException("client port 65535 leaves no raft port (client port + 1)");
                }
                group = List.of(new PeerAddress(nodeId, "127.0.0.1", clientPort + 1));
            }
            Path dir = storageDir != null ? storageDir : Path.of("data", "meta", nodeId);
            return new MetaServerConfig(nodeId, bindHost, clientPort, group, dir, requestTimeout, snapshotThreshold,
                    electionTimeout, snapshotOnStop, groupId, lease, dutyInterval, hotShards);
        }
    }
}
