package dev.quarry.cli.command;

import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.meta.server.MetaProcess;
import dev.quarry.meta.server.MetaServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "meta", mixinStandardHelpOptions = true,
        description = {"Run one raft-meta peer (Ratis) as its own process, until SIGTERM / Ctrl-C.",
                "Three peers: quarry meta --id n1 --peers n1=127.0.0.1:7101,n2=127.0.0.1:7111,n3=127.0.0.1:7121 --port 7100 --dir .quarry/meta/n1",
                "(and n2 with --port 7110, n3 with --port 7120). Serves Prometheus /metrics on port+2 unless --metrics-port is given."})
public final class MetaCommand implements Callable<Integer> {
    @Option(names = "--id", defaultValue = "${env:QUARRY_META_ID:-n1}", description = "this peer's id, one of --peers (default ${DEFAULT-VALUE})")
    String id;
    @Option(names = "--peers", defaultValue = "${env:QUARRY_META_PEERS}",
            description = "the Raft group, id=host:raftPort,... — the same on every peer (default: this peer alone on port+1)")
    String peers;
    @Option(names = "--host", defaultValue = "${env:QUARRY_META_HOST:-127.0.0.1}", description = "bind address of the client port (default ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "${env:QUARRY_META_PORT:-7100}", description = "client gRPC port, MetaService (default ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--dir", defaultValue = "${env:QUARRY_META_DIR}", description = "Raft log and snapshots (default .quarry/meta/<id>)")
    Path dir;
    @Option(names = "--metrics-port", defaultValue = "${env:QUARRY_META_METRICS_PORT:--1}", description = "Prometheus /metrics port (default: port+2)")
    int metricsPort;
    @Option(names = "--lease-ms", defaultValue = "${env:QUARRY_META_LEASE_MS:-3000}", description = "node lease; nodes heartbeat every lease/3 (default ${DEFAULT-VALUE})")
    long leaseMs;
    @Option(names = "--election-timeout-ms", defaultValue = "${env:QUARRY_META_ELECTION_TIMEOUT_MS:-500}", description = "minimum Raft election timeout (default ${DEFAULT-VALUE})")
    long electionTimeoutMs;
    @Option(names = "--snapshot-threshold", defaultValue = "${env:QUARRY_META_SNAPSHOT_THRESHOLD:-10000}", description = "log entries between snapshots (default ${DEFAULT-VALUE})")
    long snapshotThreshold;
    @Option(names = "--hot-shards", defaultValue = "${env:QUARRY_META_HOT_SHARDS:-on}", paramLabel = "on|off",
            description = "give a shard whose load stays high one extra replica, and take it back when the load stays low (default ${DEFAULT-VALUE})")
    String hotShards;
    @Option(names = "--hot-latency-ms", defaultValue = "${env:QUARRY_META_HOT_LATENCY_MS:-250}",
            description = "a shard is hot while the recent mean query time of its fastest queried replica exceeds this and twice the median of its index's other shards (cool below half of it, or below 1.25x that median); one slow replica beside a fast one is left to replica selection (default ${DEFAULT-VALUE})")
    double hotLatencyMs;
    @Option(names = "--hot-apply-lag", defaultValue = "${env:QUARRY_META_HOT_APPLY_LAG:-50000}",
            description = "... or while a replica's apply lag, in records, exceeds this (default ${DEFAULT-VALUE})")
    long hotApplyLag;
    @Option(names = "--hot-for-ms", defaultValue = "${env:QUARRY_META_HOT_FOR_MS:-30000}",
            description = "hot this long before the extra replica is added (default ${DEFAULT-VALUE})")
    long hotForMs;
    @Option(names = "--cool-for-ms", defaultValue = "${env:QUARRY_META_COOL_FOR_MS:-120000}",
            description = "cool this long before it is removed (default ${DEFAULT-VALUE})")
    long coolForMs;

    @Override
    public Integer call() throws Exception {
        MetaServerConfig.Builder b = MetaServerConfig.builder().nodeId(id).bindHost(host).clientPort(port)
                .storageDir(dir != null ? dir : Path.of(".quarry", "meta", id))
                .lease(Duration.ofMillis(leaseMs)).electionTimeout(Duration.ofMillis(electionTimeoutMs))
                .snapshotThreshold(snapshotThreshold)
                .hotShards(switch (hotShards) {
                    case "on" -> new HotShardDetector.Config(hotLatencyMs, hotApplyLag, Duration.ofMillis(hotForMs), Duration.ofMillis(coolForMs));
                    case "off" -> HotShardDetector.Config.OFF;
                    default -> throw new IllegalArgumentException("--hot-shards must be on or off, got '" + hotShards + "'");
                });
        if (peers != null && !peers.isBlank()) {
            b.peers(peers);
        }
        MetaProcess process = MetaProcess.start(b.build(), metricsPort).closeOnShutdown();
        System.out.printf("raft-meta peer %s serving MetaService on %s:%d, metrics on port %d%n", id, host,
                process.server().clientPort(), process.metricsPort());
        process.awaitClosed();
        return 0;
    }
}
