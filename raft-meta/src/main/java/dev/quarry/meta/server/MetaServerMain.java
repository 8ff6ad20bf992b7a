package dev.quarry.meta.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain {@code main} for one raft-meta peer, for process-level tests and scripts that do not want
 * the CLI: {@code java -cp ... dev.quarry.meta.server.MetaServerMain --id n1 --peers
 * n1=127.0.0.1:7101,n2=... --port 7100 --dir data/meta/n1 [--metrics-port N]
 * [--election-timeout-ms N] [--lease-ms N] [--snapshot-threshold N]}. Prints
 * {@code READY <id> <clientPort>} on standard output once serving; SIGTERM closes it cleanly.
 * ({@code quarry meta} offers the same with help text and environment variables.)
 */
public final class MetaServerMain {
    private MetaServerMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        MetaServerConfig.Builder b = MetaServerConfig.builder()
                .nodeId(a.getOrDefault("id", MetaServerConfig.DEFAULT_NODE_ID))
                .clientPort(Integer.parseInt(a.getOrDefault("port", String.valueOf(MetaServerConfig.DEFAULT_CLIENT_PORT))));
        if (a.containsKey("peers")) {
            b.peers(a.get("peers"));
        }
        if (a.containsKey("dir")) {
            b.storageDir(Path.of(a.get("dir")));
        }
        if (a.containsKey("election-timeout-ms")) {
            b.electionTimeout(Duration.ofMillis(Long.parseLong(a.get("election-timeout-ms"))));
        }
        if (a.containsKey("lease-ms")) {
            b.lease(Duration.ofMillis(Long.parseLong(a.get("lease-ms"))));
        }
        if (a.containsKey("snapshot-threshold")) {
            b.snapshotThreshold(Long.parseLong(a.get("snapshot-threshold")));
        }
        MetaServerConfig config = b.build();
        MetaProcess process = MetaProcess.start(config, Integer.parseInt(a.getOrDefault("metrics-port", "-1")))
                .closeOnShutdown();
        System.out.println("READY " + config.nodeId() + " " + process.server().clientPort());
        System.out.flush();
        process.awaitClosed();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --key value pairs, got '" + args[i] + "'");
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
