package dev.quarry.cli.command;

import dev.quarry.cli.role.RoleRunner;
import dev.quarry.common.metrics.MetricsEndpoint;
import dev.quarry.shard.node.ShardNode;
import dev.quarry.shard.node.ShardNodeConfig;
import dev.quarry.shard.replica.ReplicaOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "shard", mixinStandardHelpOptions = true,
        description = {"Run one shard server as its own process: it registers with raft-meta, opens the replicas placed on it,",
                "applies their partitions from Kafka and serves the shard RPCs. SIGTERM deregisters it from raft-meta, lets in-flight calls finish,",
                "commits every replica and closes;",
                "after a kill -9 it resumes from its last commit and replays the rest from Kafka."})
public final class ShardCommand implements Callable<Integer> {
    @Option(names = "--id", required = true, defaultValue = "${env:QUARRY_SHARD_ID}", description = "node id, stable across restarts (env QUARRY_SHARD_ID)")
    String id;
    @Option(names = "--host", defaultValue = "${env:QUARRY_SHARD_HOST:-127.0.0.1}", description = "address to bind and advertise (default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "${env:QUARRY_SHARD_PORT:-7200}", description = "gRPC port, 0 = any (default ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--metrics-port", defaultValue = "${env:QUARRY_SHARD_METRICS_PORT:--1}", description = "Prometheus /metrics port (default: gRPC port + 1; 0 = any)")
    int metricsPort;
    @Option(names = "--dir", defaultValue = "${env:QUARRY_SHARD_DIR}", description = "data directory (default .quarry/<id>)")
    Path dir;
    @Option(names = "--kafka", defaultValue = "${env:QUARRY_KAFKA:-127.0.0.1:9092}", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String kafka;
    @Option(names = "--meta", defaultValue = "${env:QUARRY_META:-127.0.0.1:7100}", description = "raft-meta client addresses, comma-separated (default ${DEFAULT-VALUE})")
    String meta;
    @Option(names = "--commit-interval-ms", defaultValue = "5000", description = "how often replicas commit (default ${DEFAULT-VALUE})")
    long commitIntervalMs;

    @Option(names = "--apply-nice", defaultValue = "0", description = {"added to the nice value of each replica's apply thread, so refreshes and",
            "searches get the cores first when they are contended; 0..19, 0 = unchanged (default ${DEFAULT-VALUE}; Linux, needs renice)"})
    int applyNice;
    @Option(names = "--enable-fault-injection", description = "accept ShardService/SetFault (injected query latency) for tests and the chaos scenario; off by default")
    boolean faultInjection;

    @Override
    public Integer call() throws Exception {
        if (faultInjection) {
            System.setProperty(dev.quarry.shard.rpc.FaultHook.PROPERTY, "true");
        }
        Path data = dir != null ? dir : Path.of(".quarry", id);
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ShardNode node = ShardNode.start(new ShardNodeConfig(id, host, port, data, kafka, meta,
                new ReplicaOptions(commitIntervalMs, ReplicaOptions.DEFAULT_TOMBSTONE_GC_WINDOW_MS, applyNice), ShardNodeConfig.DEFAULT_MAX_POLL_RECORDS), metrics);
        int mport = metricsPort >= 0 ? metricsPort : (port == 0 ? 0 : port + 1);
        MetricsEndpoint endpoint = MetricsEndpoint.start(host, mport, metrics);
        RoleRunner runner = RoleRunner.onShutdown("shard " + id, () -> {
            try {
                node.leave(); // deregister, refuse new calls, commit and close every replica, wait for in-flight calls
            } finally {
                endpoint.close();
            }
        });
        System.out.println("shard server " + id + " serving at " + node.address() + ", metrics on port " + endpoint.port());
        runner.awaitStopped();
        return 0;
    }
}
