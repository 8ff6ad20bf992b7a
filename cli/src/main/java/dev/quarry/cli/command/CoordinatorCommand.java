package dev.quarry.cli.command;

import dev.quarry.cli.role.RoleRunner;
import dev.quarry.common.metrics.MetricsEndpoint;
import dev.quarry.coordinator.CoordinatorConfig;
import dev.quarry.coordinator.CoordinatorServer;
import dev.quarry.coordinator.SearchOptions;
import dev.quarry.coordinator.fanout.HedgePolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Run one coordinator as its own process: the public gRPC SearchService and AdminService (server reflection on),",
                "routing from raft-meta, fan-out to the shard servers; Prometheus /metrics and /healthz on port+1.",
                "SIGTERM stops taking new calls, lets in-flight ones finish (up to 5 s), then closes. It holds no data: any number may run."})
public final class CoordinatorCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "${env:QUARRY_COORDINATOR_HOST:-127.0.0.1}", description = "address to bind (env QUARRY_COORDINATOR_HOST; default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "${env:QUARRY_COORDINATOR_PORT:-7400}", description = "gRPC port, 0 = any (env QUARRY_COORDINATOR_PORT; default ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--metrics-port", defaultValue = "${env:QUARRY_COORDINATOR_METRICS_PORT:--1}",
            description = "Prometheus /metrics port (env QUARRY_COORDINATOR_METRICS_PORT; default: gRPC port + 1; 0 = any)")
    int metricsPort;
    @Option(names = "--kafka", defaultValue = "${env:QUARRY_KAFKA:-127.0.0.1:9092}", description = "Kafka bootstrap servers (env QUARRY_KAFKA; default ${DEFAULT-VALUE})")
    String kafka;
    @Option(names = "--meta", defaultValue = "${env:QUARRY_META:-127.0.0.1:7100}", description = "raft-meta client addresses, comma-separated (env QUARRY_META; default ${DEFAULT-VALUE})")
    String meta;
    @Option(names = "--topic-replication", defaultValue = "${env:QUARRY_TOPIC_REPLICATION:-1}",
            description = "replication factor of the topics of new indices: 1 for one broker, 3 in production (env QUARRY_TOPIC_REPLICATION; default ${DEFAULT-VALUE})")
    short topicReplication;
    @Option(names = "--cursor-secret-file", paramLabel = "FILE", defaultValue = "${env:QUARRY_CURSOR_SECRET_FILE}",
            description = {"file whose content (16 bytes or more) signs cursors (env QUARRY_CURSOR_SECRET_FILE). Coordinators that share it",
                    "accept each other's cursors, also across restarts; default: a random key per process"})
    Path cursorSecretFile;
    @Option(names = "--replica-selection", paramLabel = "adaptive|random", defaultValue = "${env:QUARRY_REPLICA_SELECTION:-adaptive}",
            description = {"adaptive: C3 ranking with warm-up and circuit breakers; random: any replica, whatever it measured",
                    "(env QUARRY_REPLICA_SELECTION; default ${DEFAULT-VALUE})"})
    String replicaSelection;
    @Option(names = "--hedging", paramLabel = "on|off", defaultValue = "${env:QUARRY_HEDGING:-on}",
            description = "hedge a shard call that is slower than that shard's recent p95 to the next replica (env QUARRY_HEDGING; default ${DEFAULT-VALUE})")
    String hedging;
    @picocli.CommandLine.Mixin
    AdmissionOptions admission;

    @Override
    public Integer call() throws Exception {
        SearchOptions search = SearchOptions.DEFAULTS
                .withAdaptiveSelection(switch (replicaSelection) {
                    case "adaptive" -> true;
                    case "random" -> false;
                    default -> throw new IllegalArgumentException("--replica-selection must be adaptive or random, got '" + replicaSelection + "'");
                })
                .withHedging(switch (hedging) {
                    case "on" -> SearchOptions.DEFAULTS.hedging();
                    case "off" -> HedgePolicy.OFF;
                    default -> throw new IllegalArgumentException("--hedging must be on or off, got '" + hedging + "'");
                });
        if (cursorSecretFile != null) {
            byte[] secret = Files.readString(cursorSecretFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
            if (secret.length < 16) {
                throw new IllegalArgumentException("cursor secret file " + cursorSecretFile + " holds fewer than 16 bytes");
            }
            search = search.withCursorSecret(secret);
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CoordinatorServer server = CoordinatorServer.start(new CoordinatorConfig(host, port, kafka, meta, topicReplication, search, admission.toConfig()), metrics);
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(host, metricsPort >= 0 ? metricsPort : (port == 0 ? 0 : port + 1), metrics);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        RoleRunner runner = RoleRunner.onShutdown("coordinator", () -> {
            try {
                server.close(); // refuses new calls, waits for in-flight ones, then closes the Kafka producer and channels
            } finally {
                endpoint.close();
            }
        });
        System.out.println("coordinator serving at " + host + ":" + server.port() + ", metrics on port " + endpoint.port());
        runner.awaitStopped();
        return 0;
    }
}
