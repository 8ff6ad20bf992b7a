package dev.quarry.meta.server;

import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.meta.ratis.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real raft-meta peers in this JVM on free loopback ports, for integration tests. Client ports are
 * picked up front too, so that a restarted peer comes back on the same addresses (clients and
 * watchers reconnect to it).
 *
 * <pre>{@code
 * try (MetaTestCluster cluster = MetaTestCluster.builder().peers(3).storage(tempDir).start()) { ... }
 * }</pre>
 */
final class MetaTestCluster implements AutoCloseable {
    private final List<MetaServerConfig> configs;
    private final List<MetaServer> servers = new ArrayList<>();

    private MetaTestCluster(List<MetaServerConfig> configs) {
        this.configs = configs;
        for (int i = 0; i < configs.size(); i++) {
            servers.add(null);
        }
    }

    static Builder builder() {
        return new Builder();
    }

    MetaServer server(int i) {
        return servers.get(i);
    }

    List<MetaServer> running() {
        return servers.stream().filter(s -> s != null).toList();
    }

    List<String> clientAddresses() {
        return configs.stream().map(c -> c.bindHost() + ":" + c.clientPort()).toList();
    }

    MetaServerConfig config(int i) {
        return configs.get(i);
    }

    void start(int i) throws IOException {
        servers.set(i, MetaServer.start(configs.get(i)));
    }

    void stop(int i) {
        MetaServer s = servers.set(i, null);
        if (s != null) {
            s.close();
        }
    }

    void restart(int i) throws IOException {
        stop(i);
        start(i);
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.size(); i++) {
            stop(i);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Builder {
        private int peers = 1;
        private Path storage;
        private boolean snapshotOnStop = true;
        private long snapshotThreshold = MetaServerConfig.DEFAULT_SNAPSHOT_THRESHOLD;
        private Duration lease = MetaServerConfig.DEFAULT_LEASE;
        private Duration dutyInterval = MetaServerConfig.DEFAULT_DUTY_INTERVAL;
        private HotShardDetector.Config hotShards = HotShardDetector.Config.DEFAULTS;
        private PeerLinks links;

        /** Each peer dials the others through these relays (one per ordered pair), which a test can cut. */
        Builder links(PeerLinks links) {
            this.links = links;
            return this;
        }

        Builder lease(Duration lease, Duration dutyInterval) {
            this.lease = lease;
            this.dutyInterval = dutyInterval;
            return this;
        }

        Builder hotShards(HotShardDetector.Config hotShards) {
            this.hotShards = hotShards;
            return this;
        }

        Builder peers(int peers) {
            this.peers = peers;
            return this;
        }

        Builder storage(Path storage) {
            this.storage = storage;
            return this;
        }

        Builder snapshotOnStop(boolean snapshotOnStop) {
            this.snapshotOnStop = snapshotOnStop;
            return this;
        }

        Builder snapshotThreshold(long snapshotThreshold) {
            this.snapshotThreshold = snapshotThreshold;
            return this;
        }

        /** Builds the configs without starting anything. */
        MetaTestCluster configure() {
            List<PeerAddress> group = new ArrayList<>();
            for (int i = 1; i <= peers; i++) {
                group.add(new PeerAddress("n" + i, "127.0.0.1", freePort()));
            }
            List<MetaServerConfig> configs = new ArrayList<>();
            for (PeerAddress p : group) {
                List<PeerAddress> view = links == null ? group
                        : group.stream().map(q -> q.equals(p) ? q : links.route(p.id(), q)).toList();
                configs.add(MetaServerConfig.builder()
                        .nodeId(p.id())
                        .clientPort(freePort())
                        .peers(view)
                        .storageDir(storage.resolve(p.id()))
                        .requestTimeout(Duration.ofSeconds(15))
                        .snapshotOnStop(snapshotOnStop)
                        .snapshotThreshold(snapshotThreshold)
                        .lease(lease)
                        .dutyInterval(dutyInterval)
                        .hotShards(hotShards)
                        .build());
            }
            return new MetaTestCluster(List.copyOf(configs));
        }

        MetaTestCluster start() throws IOException {
            MetaTestCluster cluster = configure();
            try {
                for (int i = 0; i < peers; i++) {
                    cluster.start(i);
                }
            } catch (IOException | RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }
}
