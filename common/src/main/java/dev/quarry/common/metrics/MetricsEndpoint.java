package dev.quarry.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} (Prometheus text format) and {@code GET /healthz} for a process that
 * has no HTTP server of its own (coordinator, shard server, raft-meta). Scrapes are rare and cheap,
 * so the JDK's built-in server on one virtual thread per request is enough. Besides the services'
 * own meters it serves the process's: CPU ({@code process_cpu_time_ns_total}, {@code process_cpu_usage}),
 * JVM memory and threads, and the time its JIT compilers spent compiling ({@code jvm_compilation_time_ms_total}:
 * a fresh JVM compiles for minutes under load, and its CPU per request falls by half meanwhile).
 * Thread-safety: the registry is thread-safe; start and close from one thread.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** Starts serving on {@code host:port} (port 0 = ephemeral). */
    public static MetricsEndpoint start(String host, int port, PrometheusMeterRegistry registry) throws IOException {
        new ProcessorMetrics().bindTo(registry); // binding again (several endpoints on one registry) finds the same meters
        new JvmMemoryMetrics().bindTo(registry);
        new JvmCompilationMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/healthz", ex -> respond(ex, 200, "application/json", "{\"status\":\"ok\"}"));
        server.start();
        return new MetricsEndpoint(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
