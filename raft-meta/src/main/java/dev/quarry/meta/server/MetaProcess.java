package dev.quarry.meta.server;

import dev.quarry.common.metrics.MetricsEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raft-meta peer as an operating-system process: the {@link MetaServer} plus Prometheus
 * {@code /metrics} and {@code /healthz}. Used by {@code quarry meta} and by {@link MetaServerMain}.
 * Exposes gauges {@code quarry_meta_leader} (1 on the leader), {@code quarry_meta_term},
 * {@code quarry_meta_state_version} and {@code quarry_meta_watchers}.
 *
 * <p>Thread-safety: {@link #close} is idempotent and may be called from any thread (typically the
 * JVM shutdown hook on SIGTERM); {@link #awaitClosed} blocks until it finished.
 */
public final class MetaProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetaProcess.class);

    private final MetaServer server;
    private final MetricsEndpoint metrics;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    private MetaProcess(MetaServer server, MetricsEndpoint metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    /**
     * Starts the peer and the metrics endpoint on {@code metricsPort} (-1: client port + 2, or an
     * ephemeral port when the client port is ephemeral); on failure nothing keeps running.
     */
    public static MetaProcess start(MetaServerConfig config, int metricsPort) throws IOException {
        MetaServer server = MetaServer.start(config);
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Gauge.builder("quarry_meta_leader", server, s -> s.isLeader() ? 1 : 0).register(registry);
            Gauge.builder("quarry_meta_term", server, s -> s.peer().term()).register(registry);
            Gauge.builder("quarry_meta_state_version", server, s -> s.currentState().getVersion()).register(registry);
            Gauge.builder("quarry_meta_watchers", server, MetaServer::watcherCount).register(registry);
            int port = metricsPort >= 0 ? metricsPort : config.clientPort() == 0 ? 0 : config.clientPort() + 2;
            MetricsEndpoint endpoint = MetricsEndpoint.start(config.bindHost(), port, registry);
            return new MetaProcess(server, endpoint);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public MetaServer server() {
        return server;
    }

    public int metricsPort() {
        return metrics.port();
    }

    /** Closes this process's parts when the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public MetaProcess closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "meta-shutdown-" + server.nodeId()));
        return this;
    }

    public void awaitClosed() throws InterruptedException {
        done.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            metrics.close();
            server.close();
            LOG.info("Meta process {} closed", server.nodeId());
        } finally {
            done.countDown();
        }
    }
}
