package dev.quarry.cli.command;

import dev.quarry.cli.cluster.ClusterDir;
import dev.quarry.cli.cluster.ClusterLayout;
import dev.quarry.cli.cluster.ComposeFile;
import dev.quarry.cli.cluster.LocalCluster;
import dev.quarry.cli.cluster.RoleProcesses;
import dev.quarry.cli.cluster.RoleSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"A local multi-process cluster: every role its own JVM (one Kafka broker, three raft-meta peers, N shard servers,",
                "a coordinator, a suggest server), with logs, pids, data and the layout (cluster.json) under one folder.",
                "The same roles and QUARRY_* settings as docker-compose.yml (see `quarry cluster compose`)."},
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Down.class, ClusterCommand.Start.class, ClusterCommand.Stop.class,
                ClusterCommand.Status.class, ClusterCommand.Compose.class})
public final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The cluster folder option, shared by the subcommands. */
    static final class Folder {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${env:QUARRY_CLUSTER_DIR:-.quarry/cluster}",
                description = "the cluster's folder: cluster.json, logs/, pids/, data/ (env QUARRY_CLUSTER_DIR; default ${DEFAULT-VALUE})")
        Path dir;

        LocalCluster cluster() {
            return new LocalCluster(new ClusterDir(dir), System.out);
        }
    }

    /** The SIGTERM grace option of the stopping subcommands. */
    static final class Grace {
        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "40",
                description = "how long each group of roles may take to stop after SIGTERM before it is killed (default ${DEFAULT-VALUE})")
        int timeoutSeconds;
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Start a cluster of role processes and wait until each answers; then create index 'packages' and load the",
                    "bundled sample (unless --no-sample, or the index exists), print the addresses and return. The processes keep running",
                    "until `quarry cluster down`. A folder whose cluster still runs is refused; a stopped one starts again on its data."})
    static final class Up implements Callable<Integer> {
        @Mixin
        Folder folder;
        @Option(names = "--shard-servers", paramLabel = "N", defaultValue = "4", description = "shard servers to run (default ${DEFAULT-VALUE})")
        int shardServers;
        @Option(names = "--data", paramLabel = "FILE", description = "JSON lines to load into 'packages' instead of the bundled sample (npm schema)")
        Path data;
        @Option(names = "--no-sample", description = "do not create or load the 'packages' index")
        boolean noSample;
        @Option(names = "--free-ports", description = "pick free ports instead of the documented defaults (to run beside `quarry dev` or another cluster)")
        boolean freePorts;
        @Option(names = "--fresh", description = "delete the folder's data first")
        boolean fresh;

        @Override
        public Integer call() throws Exception {
            if (data != null && !Files.isReadable(data)) {
                throw new IllegalArgumentException("cannot read --data " + data);
            }
            long t0 = System.nanoTime();
            LocalCluster cluster = folder.cluster();
            System.out.println("starting a Quarry cluster in " + cluster.dir().root() + " (" + shardServers + " shard servers) ...");
            ClusterLayout layout = cluster.up(shardServers, freePorts, fresh);
            System.out.printf("all roles answer (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            if (!noSample) {
                try {
                    SampleLoader.loadIfNew(layout.coordinator(), layout.kafkaBootstrap(), data, "use --fresh to start over", System.out);
                } catch (Exception e) {
                    System.out.println("loading the sample failed; the cluster keeps running (quarry cluster down --dir " + cluster.dir().root() + ")");
                    throw e;
                }
            }
            System.out.printf("%nQuarry cluster is up (%.1f s); logs and pids in %s%n", (System.nanoTime() - t0) / 1e9, cluster.dir().root());
            System.out.println("  Kafka bootstrap     " + layout.kafkaBootstrap());
            System.out.println("  raft-meta           " + layout.metaAddresses());
            System.out.println("  coordinator gRPC    " + layout.coordinator());
            System.out.println("  suggest HTTP        " + layout.suggestUrl() + "/");
            System.out.println("  shard servers       " + String.join(", ", layout.roles().stream()
                    .filter(r -> r.kind() == dev.quarry.cli.cluster.RoleKind.SHARD)
                    .map(r -> "127.0.0.1:" + r.env("QUARRY_SHARD_PORT")).toList()));
            if (freePorts) {
                System.out.println("for the client commands:  export QUARRY_KAFKA=" + layout.kafkaBootstrap() + " QUARRY_COORDINATOR="
                        + layout.coordinator() + " QUARRY_SUGGEST_URL=" + layout.suggestUrl());
            }
            System.out.println("stop with:  quarry cluster down --dir " + folder.dir);
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = {"Stop every role of the cluster: SIGTERM to the coordinator and suggest server, then the shard servers, then",
                    "raft-meta, then Kafka, each group waited for up to --timeout and SIGKILLed after it. Data stays (start again with up)."})
    static final class Down implements Callable<Integer> {
        @Mixin
        Folder folder;
        @Mixin
        Grace grace;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            List<RoleProcesses.Stopped> stopped = folder.cluster().down(Duration.ofSeconds(grace.timeoutSeconds));
            report(stopped);
            System.out.printf("cluster down (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop some roles gracefully (SIGTERM; SIGKILL after --timeout), e.g. `quarry cluster stop shard-2 coordinator`.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        Folder folder;
        @Mixin
        Grace grace;
        @Parameters(arity = "1..*", paramLabel = "ROLE", description = "role names as in `quarry cluster status` (kafka, meta-1, shard-2, coordinator, suggest, ...)")
        List<String> roles;

        @Override
        public Integer call() throws Exception {
            report(folder.cluster().stop(roles, Duration.ofSeconds(grace.timeoutSeconds)));
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start stopped roles again, exactly as they ran (same settings, data and ports), and wait until they answer.")
    static final class Start implements Callable<Integer> {
        @Mixin
        Folder folder;
        @Parameters(arity = "1..*", paramLabel = "ROLE", description = "role names as in `quarry cluster status`")
        List<String> roles;

        @Override
        public Integer call() throws Exception {
            folder.cluster().start(roles);
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "List the roles of the cluster, whether each runs (and its pid), its ready port and its log. See also `quarry status`.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Folder folder;

        @Override
        public Integer call() throws Exception {
            LocalCluster cluster = folder.cluster();
            ClusterLayout layout = cluster.dir().read();
            Map<String, Long> running = cluster.running();
            for (RoleSpec r : layout.roles()) {
                Long pid = running.get(r.name());
                System.out.printf("%-12s %-8s %-12s port %-6d %s%n", r.name(), pid == null ? "stopped" : "running", pid == null ? "" : "pid " + pid,
                        r.readyPort(), cluster.dir().log(r.name()));
            }
            return running.size() == layout.roles().size() ? 0 : 3;
        }
    }

    @Command(name = "compose", mixinStandardHelpOptions = true,
            description = {"Print docker-compose.yml for a multi-host cluster (three apache/kafka brokers, three raft-meta peers, four shard",
                    "servers, a coordinator, a suggest server, Prometheus), generated from the layout `quarry cluster up` uses.",
                    "--write DIR writes DIR/docker-compose.yml and DIR/deploy/prometheus.yml instead."})
    static final class Compose implements Callable<Integer> {
        @Option(names = "--write", paramLabel = "DIR", description = "write the files under DIR (the repository root) instead of printing the compose file")
        Path write;

        @Override
        public Integer call() throws Exception {
            if (write == null) {
                System.out.print(ComposeFile.compose());
                return 0;
            }
            Files.createDirectories(write.resolve("deploy"));
            Files.writeString(write.resolve("docker-compose.yml"), ComposeFile.compose());
            Files.writeString(write.resolve("deploy").resolve("prometheus.yml"), ComposeFile.prometheus());
            System.out.println("wrote " + write.resolve("docker-compose.yml") + " and " + write.resolve("deploy/prometheus.yml"));
            return 0;
        }
    }

    private static void report(List<RoleProcesses.Stopped> stopped) {
        for (RoleProcesses.Stopped s : stopped) {
            System.out.printf("  %-12s %s%n", s.role(), switch (s.outcome()) {
                case GRACEFUL -> String.format("stopped (SIGTERM, %.1f s)", s.millis() / 1e3);
                case KILLED -> String.format("KILLED after the grace period (%.1f s)", s.millis() / 1e3);
                case NOT_RUNNING -> "was not running";
            });
        }
    }
}
