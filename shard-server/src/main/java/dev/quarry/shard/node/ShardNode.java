package dev.quarry.shard.node;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.StateWatcher;
import dev.quarry.ingest.apply.OrderedApplyLoop;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.SetReplicaStateCommand;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.shard.replica.DeadLetterPublisher;
import dev.quarry.shard.replica.ReplicaRegistry;
import dev.quarry.shard.replica.ReplicaSpec;
import dev.quarry.shard.replica.ShardReplica;
import dev.quarry.shard.rpc.ShardGrpcService;
import dev.quarry.common.rpc.InProcessEndpoints;
import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard-server process: registers with raft-meta, follows the cluster state, opens the replicas
 * placed on this node (and closes the ones moved away), reports them STARTED, and serves the shard
 * RPCs. Thread-safety: replica opening and closing happen on one reconcile thread; requests run on
 * virtual threads and only read the {@link ReplicaRegistry}.
 */
public final class ShardNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardNode.class);
    /** Re-check placement this often even without a state change (retries failed reports). */
    private static final long RECONCILE_EVERY_MS = 2_000;

    private final ShardNodeConfig config;
    private final MeterRegistry metrics;
    private final ReplicaRegistry replicas = new ReplicaRegistry();
    private final DeadLetterPublisher deadLetters;
    private final ReplicaOpener opener;
    private final ScheduledExecutorService reconciler;
    private final ExecutorService requestExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private Server server;
    /** The same service over gRPC's in-process transport, or null. */
    private Server inProcessServer;
    private MetaClient meta;
    private StateWatcher watcher;
    private String address;
    private volatile long incarnation;
    /** Liveness (issue 4); set once in startup. */
    private volatile NodeLiveness liveness;

    private ShardNode(ShardNodeConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
        this.deadLetters = new DeadLetterPublisher(config.kafkaBootstrap(), config.nodeId(), metrics);
        this.opener = new ReplicaOpener(config, spec -> ShardReplica.open(spec, config.nodeId(), config.dataDir(), this::newConsumer,
                Clock.systemUTC(), config.replicaOptions(), deadLetters.sinkFor(spec), metrics), metrics);
        this.reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reconcile-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    public static ShardNode start(ShardNodeConfig config, MeterRegistry metrics) throws IOException {
        return start(config, metrics, false);
    }

    /**
     * With {@code inProcess}, the shard RPCs are also served over gRPC's in-process transport, for
     * clients in this JVM that reach this node's address ({@link InProcessEndpoints}; {@code quarry dev}).
     */
    public static ShardNode start(ShardNodeConfig config, MeterRegistry metrics, boolean inProcess) throws IOException {
        ShardNode node = new ShardNode(config, metrics);
        try {
            node.startup(inProcess);
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startup(boolean inProcess) throws IOException {
        FencingInterceptor fencing = new FencingInterceptor(() -> liveness != null && liveness.fenced(), config.nodeId()); // liveness (issue 4)
        ShardGrpcService service = new ShardGrpcService(replicas, dev.quarry.shard.rpc.FaultHook.fromEnvironment());
        server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
                .intercept(fencing)
                .addService(service)
                .executor(requestExecutor)
                .build()
                .start();
        address = config.host() + ":" + server.getPort();
        if (inProcess) {
            inProcessServer = InProcessServerBuilder.forName(InProcessEndpoints.nameFor(address))
                    .intercept(fencing)
                    .addService(service)
                    .executor(requestExecutor)
                    .build()
                    .start();
            InProcessEndpoints.register(address);
        }
        meta = MetaClient.connect(config.metaAddresses());
        // --- liveness (issue 4): register, heartbeat, re-register when fenced ---
        liveness = new NodeLiveness(meta, config.nodeId(), address);
        incarnation = liveness.register(NodeLiveness.STARTUP_REGISTRATION_TIMEOUT); // waits for raft-meta if it is not serving yet
        liveness.start(incarnation, replicas, next -> {
            incarnation = next;
            reconciler.execute(() -> reconcile(watcher.current())); // report the replicas again
        });
        // --- end liveness ---
        watcher = meta.watch();
        watcher.addListener(state -> reconciler.execute(() -> reconcile(state)));
        reconciler.scheduleWithFixedDelay(() -> reconcile(watcher.current()), RECONCILE_EVERY_MS, RECONCILE_EVERY_MS, TimeUnit.MILLISECONDS);
        log.info("shard server {} serving at {} (incarnation {})", config.nodeId(), address, incarnation);
    }

    public String address() {
        return address;
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** Liveness (issue 4): the heartbeater, for tests that pause it. */
    public dev.quarry.common.meta.Heartbeater heartbeater() {
        return liveness.heartbeater();
    }

    /** Liveness (issue 4): true while fenced (shard RPCs answer UNAVAILABLE). */
    public boolean fenced() {
        return liveness.fenced();
    }

    public ReplicaRegistry replicas() {
        return replicas;
    }

    /** Reconcile thread only. Never throws: an executor would swallow the failure silently. */
    private void reconcile(ClusterState state) {
        try {
            reconcileOrThrow(state);
        } catch (Throwable t) {
            log.error("[{}] reconcile failed", config.nodeId(), t);
        }
    }

    private void reconcileOrThrow(ClusterState state) {
        if (state.getVersion() == 0) {
            return;
        }
        Map<String, Placement> desired = placedHere(state);
        deadLetters.designate(designatedHere(state));
        for (ShardReplica open : replicas.all()) {
            if (!desired.containsKey(open.spec().key())) {
                closeQuietly(replicas.remove(open.spec().key()));
            }
        }
        for (Placement p : desired.values()) {
            try {
                if (replicas.get(p.spec().key()) == null) {
                    replicas.put(opener.open(p.spec(), state, () -> {
                        reportState(p.spec(), ReplicaState.RECOVERING);
                        return null;
                    }));
                }
                if (p.state() != ReplicaState.STARTED) {
                    reportState(p.spec(), ReplicaState.STARTED);
                }
            } catch (Exception e) {
                log.warn("[{}] cannot open or report replica {}: {}", config.nodeId(), p.spec().key(), e.toString());
            }
        }
    }

    private void reportState(ReplicaSpec spec, ReplicaState state) {
        meta.submit(MetaCommand.newBuilder().setSetReplicaState(SetReplicaStateCommand.newBuilder()
                .setIndex(spec.index()).setShard(spec.shard()).setNodeId(config.nodeId())
                .setState(state).setIncarnation(incarnation)).build());
    }

    private record Placement(ReplicaSpec spec, ReplicaState state) {}

    private Map<String, Placement> placedHere(ClusterState state) {
        Map<String, Placement> out = new HashMap<>();
        for (IndexInfo idx : state.getIndicesMap().values()) {
            IndexSchema schema = null;
            for (ShardInfo s : idx.getShardsList()) {
                for (ReplicaInfo r : s.getReplicasList()) {
                    if (r.getNodeId().equals(config.nodeId()) && r.getState() != ReplicaState.RETIRING) {
                        if (schema == null) {
                            schema = IndexSchema.parse(idx.getSchemaJson());
                        }
                        ReplicaSpec spec = new ReplicaSpec(idx.getName(), s.getId(), schema, s.getPartitionsList());
                        out.put(spec.key(), new Placement(spec, r.getState()));
                    }
                }
            }
        }
        return out;
    }

    /** Shards whose first placed replica is this node: this node dead-letters their bad records. */
    private Set<String> designatedHere(ClusterState state) {
        Set<String> out = new HashSet<>();
        for (IndexInfo idx : state.getIndicesMap().values()) {
            for (ShardInfo s : idx.getShardsList()) {
                if (s.getReplicasCount() > 0 && s.getReplicas(0).getNodeId().equals(config.nodeId())) {
                    out.add(idx.getName() + "/" + s.getId());
                }
            }
        }
        return out;
    }

    private KafkaConsumer<byte[], byte[]> newConsumer() {
        Properties p = OrderedApplyLoop.consumerProperties(config.kafkaBootstrap(), "quarry-shard-" + config.nodeId(), config.maxPollRecords());
        return new KafkaConsumer<>(p);
    }

    private void closeQuietly(ShardReplica r) {
        if (r == null) {
            return;
        }
        try {
            r.close();
        } catch (IOException | RuntimeException e) {
            log.warn("[{}] closing replica {} failed: {}", config.nodeId(), r.spec().key(), e.toString());
        }
    }

    /**
     * Graceful shutdown (SIGTERM of {@code quarry shard}): deregisters first, so that coordinators
     * route to the other replicas from the next routing epoch on instead of waiting for the lease to
     * run out, then {@link #close()}: in-flight requests finish, every replica commits. Nothing
     * acknowledged can be lost either way (a restart replays from the last commit); leaving first
     * only spares queries a failed attempt.
     */
    public void leave() {
        if (liveness != null) {
            liveness.deregister();
        }
        close();
    }

    /** Stops serving, then commits and closes every replica. */
    @Override
    public void close() {
        if (liveness != null) {
            liveness.close(); // liveness (issue 4)
        }
        if (server != null) {
            server.shutdown();
        }
        if (inProcessServer != null) {
            InProcessEndpoints.unregister(address);
            inProcessServer.shutdown();
        }
        if (watcher != null) {
            watcher.close();
        }
        reconciler.shutdown();
        try {
            reconciler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ShardReplica r : replicas.all()) {
            closeQuietly(replicas.remove(r.spec().key()));
        }
        deadLetters.close();
        if (meta != null) {
            meta.close();
        }
        if (server != null) {
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.shutdownNow();
        }
        if (inProcessServer != null) {
            inProcessServer.shutdownNow();
        }
        requestExecutor.shutdownNow();
    }
}
