package dev.quarry.meta.server;

import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.meta.liveness.LeaderDuties;
import dev.quarry.meta.liveness.LeaseTable;
import dev.quarry.meta.ratis.MetaPeer;
import dev.quarry.proto.v1.ClusterState;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raft-meta process: one Ratis peer ({@link MetaPeer}), the client-facing gRPC server hosting
 * {@code MetaService} on the client port, and the {@link LeaderDuties} (leases, allocator) that act
 * while this peer leads.
 *
 * <p>{@link #start} starts the peer, then the gRPC server; if anything fails, whatever was started
 * is closed before the exception propagates. {@link #close} (idempotent) ends open watches with
 * UNAVAILABLE, stops the gRPC server (grace period, then forcibly), then the peer; it attempts
 * every step even if an earlier one fails.
 *
 * <p>Thread-safety: safe for use from any thread; all fields are final and thread-safe,
 * {@link #closed} is atomic.
 */
public final class MetaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetaServer.class);
    /** Time given to in-flight unary calls on shutdown before they are cut. */
    private static final long SHUTDOWN_GRACE_MILLIS = 2_000;
    /** Watch fan-out threads: sends are non-blocking, so two suffice for many streams. */
    private static final int WATCH_THREADS = 2;

    private final MetaServerConfig config;
    private final MetaPeer peer;
    private final Server grpcServer;
    private final WatchHub watchHub;
    private final AutoCloseable listenerRegistration;
    private final ExecutorService watchExecutor;
    private final LeaderDuties duties;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetaServer(MetaServerConfig config, MetaPeer peer, Server grpcServer, WatchHub watchHub,
            AutoCloseable listenerRegistration, ExecutorService watchExecutor, LeaderDuties duties) {
        this.duties = duties;
        this.config = config;
        this.peer = peer;
        this.grpcServer = grpcServer;
        this.watchHub = watchHub;
        this.listenerRegistration = listenerRegistration;
        this.watchExecutor = watchExecutor;
    }

    /** Starts the peer and the gRPC facade; on failure nothing keeps running. */
    public static MetaServer start(MetaServerConfig config) throws IOException {
        MetaPeer peer = null;
        ExecutorService watchExecutor = null;
        Server grpcServer = null;
        LeaderDuties duties = null;
        try {
            peer = MetaPeer.start(config.toPeerConfig());
            watchExecutor = Executors.newFixedThreadPool(WATCH_THREADS, daemonThreads("meta-watch-" + config.nodeId()));
            WatchHub hub = new WatchHub(watchExecutor, peer::current);
            LeaseTable leases = new LeaseTable(Clock.systemUTC(), config.lease());
            AutoCloseable registration = peer.addListener(hub::publish);
            grpcServer = NettyServerBuilder
                    .forAddress(new InetSocketAddress(config.bindHost(), config.clientPort()))
                    .addService(new MetaGrpcService(peer, hub, leases, config.requestTimeout()))
                    .build()
                    .start();
            duties = new LeaderDuties(peer, leases,
                    new HotShardDetector(config.hotShards(), Clock.systemUTC()), config.dutyInterval());
            LOG.info("Meta server {} serving MetaService on {}:{} (raft {})", config.nodeId(), config.bindHost(),
                    grpcServer.getPort(), config.self().address());
            return new MetaServer(config, peer, grpcServer, hub, registration, watchExecutor, duties);
        } catch (IOException | RuntimeException e) {
            if (duties != null) {
                duties.close();
            }
            if (grpcServer != null) {
                grpcServer.shutdownNow();
            }
            if (watchExecutor != null) {
                watchExecutor.shutdownNow();
            }
            if (peer != null) {
                try {
                    peer.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** The bound client port (the real one when configured as 0). */
    public int clientPort() {
        return grpcServer.getPort();
    }

    /** {@code host:port} for {@code MetaClient}. */
    public String clientAddress() {
        return config.bindHost() + ":" + clientPort();
    }

    public int raftPort() {
        return config.self().port();
    }

    public MetaServerConfig config() {
        return config;
    }

    /** This peer's applied state (may trail the leader slightly). */
    public ClusterState currentState() {
        return peer.current();
    }

    public Optional<String> leaderId() {
        return peer.leaderId();
    }

    public boolean isLeader() {
        return peer.isLeader();
    }

    /** The underlying peer, for admin operations such as {@link MetaPeer#takeSnapshot}. */
    public MetaPeer peer() {
        return peer;
    }

    /** Open {@code Watch} streams on this server. */
    public int watcherCount() {
        return watchHub.size();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        duties.close();
        try {
            listenerRegistration.close();
        } catch (Exception e) {
            LOG.warn("Meta server {}: removing the state listener failed", config.nodeId(), e);
        }
        watchHub.close();
        grpcServer.shutdown();
        try {
            if (!grpcServer.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                grpcServer.shutdownNow().awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            grpcServer.shutdownNow();
            Thread.currentThread().interrupt();
        }
        watchExecutor.shutdownNow();
        try {
            peer.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Meta server {}: closing the Ratis peer failed", config.nodeId(), e);
        }
        LOG.info("Meta server {} stopped", config.nodeId());
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
