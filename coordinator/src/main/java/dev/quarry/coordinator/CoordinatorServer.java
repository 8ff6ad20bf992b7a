package dev.quarry.coordinator;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.StateWatcher;
import dev.quarry.coordinator.admin.AdminHandler;
import dev.quarry.coordinator.admin.MetaGateway;
import dev.quarry.coordinator.admin.TopicAdmin;
import dev.quarry.coordinator.admission.AdmissionController;
import dev.quarry.coordinator.api.AdmissionInterceptor;
import dev.quarry.coordinator.api.AdminGrpcService;
import dev.quarry.coordinator.api.SearchGrpcService;
import dev.quarry.coordinator.fanout.FanOut;
import dev.quarry.coordinator.fanout.FanOutMetrics;
import dev.quarry.coordinator.search.CursorCodec;
import dev.quarry.coordinator.search.ResultCache;
import dev.quarry.coordinator.select.BreakerPolicy;
import dev.quarry.coordinator.select.ReplicaSelector;
import dev.quarry.coordinator.fanout.ShardChannels;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.coordinator.search.GetHandler;
import dev.quarry.coordinator.search.SearchHandler;
import dev.quarry.coordinator.write.WriteHandler;
import dev.quarry.ingest.load.BulkLoader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator process: the public {@code SearchService} and {@code AdminService} (with gRPC
 * server reflection), routing from raft-meta's watched state, fan-out to the shard servers; Search
 * and Get behind admission control ({@link AdmissionInterceptor}).
 * Thread-safety: requests run on virtual threads; shared state is the immutable routing table.
 */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final CoordinatorConfig config;
    private final MeterRegistry metrics;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final RoutingView routing = new RoutingView();
    private final ShardChannels channels = new ShardChannels();
    private MetaClient meta;
    private StateWatcher watcher;
    private TopicAdmin topics;
    private Producer<byte[], byte[]> producer;
    private Server server;
    private final java.util.concurrent.ScheduledExecutorService timers = hedgeTimers();
    private SearchHandler searchHandler;
    private FanOut fanOut;

    /**
     * Almost every shard call arms a hedge timer that its answer cancels: cancelled timers leave the
     * queue at once, so the timer thread does not wake up for each of them.
     */
    private static java.util.concurrent.ScheduledExecutorService hedgeTimers() {
        java.util.concurrent.ScheduledThreadPoolExecutor timers = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "coordinator-hedge-timer");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    private CoordinatorServer(CoordinatorConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    public static CoordinatorServer start(CoordinatorConfig config, MeterRegistry metrics) throws IOException {
        CoordinatorServer c = new CoordinatorServer(config, metrics);
        try {
            c.startup();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void startup() throws IOException {
        meta = MetaClient.connect(config.metaAddresses());
        watcher = meta.watch();
        watcher.addListener(routing::update);
        topics = new TopicAdmin(config.kafkaBootstrap(), config.topicReplication());
        producer = new KafkaProducer<>(BulkLoader.producerProperties(config.kafkaBootstrap(), "quarry-coordinator"));
        SearchOptions so = config.search();
        ReplicaSelector selector = so.adaptiveSelection() ? new ReplicaSelector(BreakerPolicy.DEFAULTS, so.coordinators())
                : ReplicaSelector.random(BreakerPolicy.DEFAULTS);
        FanOut fanOut = new FanOut(channels, selector, timers, so.hedging(),
                new FanOutMetrics(metrics));
        ResultCache cache = new ResultCache(so.cacheEntries(), so.cacheTtl(), metrics);
        searchHandler = new SearchHandler(routing, fanOut, new CursorCodec(so.cursorSecret()), cache, so.cursorKeepAlive().toMillis(), so.colocated(),
                metrics);
        this.fanOut = fanOut;
        server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
                .executor(executor)
                .addService(ServerInterceptors.intercept(new SearchGrpcService(searchHandler,
                        new GetHandler(routing, channels), new WriteHandler(routing, producer, channels)),
                        new AdmissionInterceptor(new AdmissionController(config.admission(), metrics))))
                .addService(new AdminGrpcService(new AdminHandler(gateway(), routing, topics, channels)))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(legacyReflection())
                .build()
                .start();
        log.info("coordinator serving at {}:{}", config.host(), server.getPort());
    }

    /** grpcurl and older tools still ask the v1alpha reflection service. */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService legacyReflection() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    private MetaGateway gateway() {
        return new MetaGateway() {
            @Override
            public ClusterState state() {
                return watcher.current();
            }

            @Override
            public MetaCommandResponse submit(MetaCommand command) {
                return meta.submit(command);
            }

            @Override
            public java.util.Optional<dev.quarry.proto.v1.MetaStatusResponse> metaStatus() {
                try {
                    return java.util.Optional.of(meta.metaStatus());
                } catch (io.grpc.StatusRuntimeException e) {
                    return java.util.Optional.empty(); // status shows the rest; the meta fields stay empty
                }
            }

            @Override
            public boolean awaitVersion(long version, Duration timeout) {
                try {
                    watcher.awaitVersion(version, timeout);
                    return true;
                } catch (TimeoutException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        };
    }

    public int port() {
        return server.getPort();
    }

    public RoutingView routing() {
        return routing;
    }

    /** The fan-out (its selector and metrics), for tests and the chaos report. */
    public FanOut fanOut() {
        return fanOut;
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.shutdownNow();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (meta != null) {
            meta.close();
        }
        if (topics != null) {
            topics.close();
        }
        if (producer != null) {
            producer.close();
        }
        channels.close();
        timers.shutdownNow();
        executor.shutdownNow();
    }
}
