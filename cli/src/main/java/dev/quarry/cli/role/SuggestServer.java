package dev.quarry.cli.role;

import dev.quarry.suggest.SuggestIndexRegistry;
import dev.quarry.suggest.http.SuggestHttpConfig;
import dev.quarry.suggest.http.SuggestHttpServer;
import dev.quarry.suggest.node.SuggestNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The suggest role: a {@link SuggestNode} (one FST index per index with a suggest config, fed from
 * Kafka, following raft-meta) behind the {@link SuggestHttpServer} (which also serves
 * {@code /metrics} and {@code /healthz}), registered with raft-meta as a SUGGEST node. The one place
 * that wires these together, for {@code quarry suggest} (a process) and {@code quarry dev} (in-JVM).
 *
 * <p>Stopping: {@link #leave()} is the graceful stop of a process (deregister, stop accepting,
 * finish in-flight lookups, close the feeds); {@link #close()} does the same without deregistering
 * (the lease expires a few seconds later), as a dev cluster does when it shuts down as a whole.
 *
 * <p>Thread-safety: start, leave and close from one thread; the accessors may be read from any thread.
 */
public final class SuggestServer implements AutoCloseable {
    /** Settings of one suggest server. {@code coordinator} (host:port) may be empty: {@code /v1/search} then answers 503. */
    public record Config(String nodeId, String host, int port, Path dataDir, String kafkaBootstrap, String metaAddresses,
                         String coordinator) {
        public Config {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
            Objects.requireNonNull(metaAddresses, "metaAddresses");
            Objects.requireNonNull(coordinator, "coordinator");
        }
    }

    private final SuggestNode node;
    private final SuggestHttpServer http;
    private final String host;

    private SuggestServer(SuggestNode node, SuggestHttpServer http, String host) {
        this.node = node;
        this.http = http;
        this.host = host;
    }

    /** Starts the node, the HTTP server and liveness; on failure nothing keeps running. */
    public static SuggestServer start(Config c, PrometheusMeterRegistry metrics) {
        SuggestNode node = new SuggestNode(c.kafkaBootstrap(), c.metaAddresses(), c.dataDir(), metrics);
        SuggestHttpServer http = null;
        try {
            http = SuggestHttpServer.start(SuggestHttpConfig.defaults().withHost(c.host()).withPort(c.port())
                    .withCoordinator(c.coordinator()), node.registry(), metrics);
            node.startLiveness(c.nodeId(), c.host() + ":" + http.port());
            return new SuggestServer(node, http, c.host());
        } catch (RuntimeException | Error e) {
            if (http != null) {
                http.close();
            }
            node.close();
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    /** {@code http://host:port}. */
    public String url() {
        return "http://" + host + ":" + http.port();
    }

    public SuggestIndexRegistry registry() {
        return node.registry();
    }

    /** Graceful stop of a suggest process: deregister from raft-meta, then {@link #close()}. */
    public void leave() {
        node.deregister();
        close();
    }

    /** Stops accepting connections, lets the event loops finish what they hold, then closes the feeds. */
    @Override
    public void close() {
        try {
            http.close();
        } finally {
            node.close();
        }
    }
}
