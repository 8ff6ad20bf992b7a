package dev.quarry.cli.command;

import dev.quarry.cli.chaos.ChaosReport;
import dev.quarry.cli.chaos.ChaosRun;
import dev.quarry.cli.chaos.HotShardScenario;
import dev.quarry.cli.cluster.RoleProcesses;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry chaos}: failure scenarios on a local multi-process cluster, with a report. */
@Command(name = "chaos", mixinStandardHelpOptions = true, subcommands = ChaosCommand.HotShard.class,
        description = "Failure scenarios on a fresh local multi-process cluster, measured and reported.")
public final class ChaosCommand {
    @Command(name = "hot-shard", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Start a fresh local cluster (1 Kafka broker, 3 raft-meta peers, N shard servers, coordinator, suggest), load the corpus,",
                    "then play the timeline (fractions of --duration): 0%% baseline (Zipf interactive queries + acknowledged writes); 25%% hot:",
                    "an update storm on shard 0's keys and a batch query flood; 32%% 50 ms latency into one replica of shard 0; 50%% kill -9 of",
                    "the shard server of another of its replicas; 57%% kill -9 of the raft-meta leader; 65%% both restarted; 75%% storm, flood",
                    "and latency end; 100%% load ends, then the run waits until the cluster is healthy and checks the invariants: every",
                    "acknowledged write on every replica at its version or newer (replayed from the Kafka log), equal replica fingerprints,",
                    "identical raft-meta peers, and with mitigations: interactive errors < 0.5%% and hot-phase p99 <= 3x baseline p99.",
                    "Writes DIR/<run>.json, DIR/<run>.png and DIR/report.md; a mitigated and a --no-mitigation run in the same DIR are",
                    "reported side by side. Exit code 0 when every invariant holds, 1 otherwise."})
    static final class HotShard implements Callable<Integer> {
        @Option(names = "--duration", paramLabel = "S", defaultValue = "300", description = "length of the load in seconds, at least 30 (default ${DEFAULT-VALUE})")
        int duration;
        @Option(names = "--report", paramLabel = "DIR", defaultValue = "chaos-report", description = "where the report goes (default ${DEFAULT-VALUE})")
        Path report;
        @Option(names = "--no-mitigation", description = "the same timeline with random replica selection, no hedging, no admission limits and no hot-shard replica")
        boolean noMitigation;
        @Option(names = "--shard-servers", paramLabel = "N", defaultValue = "4", description = "shard server processes, at least 3 (default ${DEFAULT-VALUE})")
        int shardServers;
        @Option(names = "--data", paramLabel = "FILE", description = "npm JSON lines to load (e.g. ../shared/datasets/npm-packages.jsonl.gz); default: the bundled 20,000-package sample")
        Path data;
        @Option(names = "--dir", paramLabel = "DIR", description = "the cluster's folder, wiped first (default: DIR/cluster-<run> of --report)")
        Path clusterDir;
        @Option(names = "--keep", description = "leave the cluster running at the end")
        boolean keep;
        @Option(names = "--interactive-qps", defaultValue = "10", description = "offered interactive queries per second (default ${DEFAULT-VALUE})")
        double interactiveQps;
        @Option(names = "--writes-per-second", defaultValue = "5", description = "steady synchronous writes per second (default ${DEFAULT-VALUE})")
        double writesPerSecond;
        @Option(names = "--storm-rate", defaultValue = "250", description = "updates per second to the hot shard during the storm (default ${DEFAULT-VALUE})")
        double stormRate;
        @Option(names = "--flood-clients", defaultValue = "6", description = "closed-loop batch clients during the storm (default ${DEFAULT-VALUE})")
        int floodClients;
        @Option(names = "--batch-rate", defaultValue = "3", description = "with mitigations: the batch client's admitted rate, per second (default ${DEFAULT-VALUE})")
        double batchRate;

        @Override
        public Integer call() throws Exception {
            if (data != null && !Files.isReadable(data)) {
                throw new IllegalArgumentException("cannot read --data " + data);
            }
            warnIfTheDriverOutcompilesTheCluster();
            HotShardScenario.Options o = new HotShardScenario.Options(duration, !noMitigation,
                    clusterDir != null ? clusterDir : report.resolve("cluster-" + (noMitigation ? "no-mitigation" : "mitigated")),
                    shardServers, interactiveQps, writesPerSecond, stormRate, floodClients, batchRate);
            ChaosRun run = new HotShardScenario(o, this::corpus, layout -> SampleLoader.load(layout.coordinator(), layout.kafkaBootstrap(), data,
                    System.out), System.out).run(keep);
            Path md = ChaosReport.write(report, run);
            System.out.println();
            for (ChaosRun.InvariantResult r : run.invariants()) {
                System.out.printf("%s  %s: %s%n", r.passed() ? "PASS" : "FAIL", r.name(), r.detail());
            }
            System.out.println("report: " + md.toAbsolutePath());
            return run.passed() ? 0 : 1;
        }

        /**
         * The load is driven from this JVM, on the machine of the cluster. Where the cluster's JVMs compile with C1 only (small
         * machines, see {@link RoleProcesses}), a driver compiling with C2 took about a fifth of a core from them during the
         * hot phase (its compiler threads, on 2 cores on 29 Nov), and its own stalls land in the latencies it records:
         * hot/baseline p99 3.35x, 5.04x and 4.89x in three runs with C2, 2.33x, 2.41x and 2.33x in three with C1 only. The
         * launcher passes the same option for {@code chaos}, and the build runs {@code ChaosHotShardIT} with it; this warns
         * when the JVM was started some other way.
         */
        private static void warnIfTheDriverOutcompilesTheCluster() {
            List<String> want = RoleProcesses.clusterJitOptions();
            if (!ManagementFactory.getRuntimeMXBean().getInputArguments().containsAll(want)) {
                System.err.printf("warning: the cluster's JVMs compile with %s on this machine, the load driver (this JVM) does not: its JIT will "
                        + "compete with the cluster and skew the latencies it records. Run it through ./quarry, or start this JVM with %s.%n",
                        want, String.join(" ", want));
            }
        }

        private InputStream corpus() {
            try {
                return data == null ? SampleLoader.resource(SampleLoader.SAMPLE) : Files.newInputStream(data);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
