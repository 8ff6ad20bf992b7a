package dev.quarry.cli.command;

import dev.quarry.common.io.FileTrees;
import dev.quarry.cli.dev.DevCluster;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run a whole Quarry cluster in this process: a Kafka broker (KRaft), raft-meta, shard servers, a coordinator and a suggest server.",
                "On first start it creates index 'packages' and loads the bundled sample of 20,000 npm packages. Ctrl-C stops it cleanly; data stays in --dir."})
public final class DevCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "FILE", description = "JSON lines to load into 'packages' instead of the bundled sample (npm schema)")
    Path data;

    @Option(names = "--no-sample", description = "do not create or load the 'packages' index")
    boolean noSample;

    @Option(names = "--dir", defaultValue = "${env:QUARRY_DEV_DIR:-.quarry/dev}", description = "data directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--fresh", description = "delete the data directory first")
    boolean fresh;

    @Option(names = "--shard-servers", defaultValue = "2", description = "shard servers to run (default ${DEFAULT-VALUE})")
    int shardServers;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--ephemeral-ports", description = {"bind every role to a free port instead of the documented dev ports, to run beside",
            "another cluster; the addresses are printed (pass them to other commands with --coordinator, --metrics-url ...)"})
    boolean ephemeralPorts;

    @Option(names = "--no-in-process", description = {"the coordinator reaches the shard servers over loopback TCP, as across processes, instead of",
            "gRPC's in-process transport (same services and semantics; for comparisons)"})
    boolean noInProcess;

    @Option(names = "--no-colocated", description = "always fan out per shard and phase, even when a shard server holds every shard (for comparisons)")
    boolean noColocated;

    @Mixin
    AdmissionOptions admission;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (fresh) {
            FileTrees.delete(dir);
        }
        System.out.println("starting Quarry dev cluster in " + dir.toAbsolutePath() + " ...");
        DevCluster.Builder builder = DevCluster.builder();
        if (ephemeralPorts) {
            builder.ephemeralPorts();
        }
        DevCluster cluster = builder.dataDir(dir).host(host).shardServers(shardServers).inProcessShards(!noInProcess)
                .admission(admission.toConfig()).search(dev.quarry.coordinator.SearchOptions.DEFAULTS.withColocated(!noColocated)).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping...");
            cluster.close();
            stopped.countDown();
        }, "dev-shutdown"));
        if (!noSample) {
            SampleLoader.loadIfNew(cluster.coordinatorAddress(), cluster.kafkaBootstrap(), data, "use --fresh to start over", System.out);
        }
        System.out.printf("%nQuarry is ready (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
        System.out.println("  Kafka bootstrap     " + cluster.kafkaBootstrap());
        System.out.println("  raft-meta           " + cluster.metaAddress());
        System.out.println("  shard servers       " + String.join(", ", cluster.shardAddresses()));
        System.out.println("  coordinator gRPC    " + cluster.coordinatorAddress() + "   (server reflection on)");
        System.out.println("  coordinator metrics " + cluster.coordinatorMetricsUrl());
        System.out.println("  suggest HTTP        " + cluster.suggestUrl() + "/v1/suggest?index=packages&q=rea");
        System.out.println("  demo page           " + cluster.suggestUrl() + "/");
        System.out.println("try:  ./quarry search 'react router' --index packages     ./quarry suggest rea --index packages");
        System.out.println("Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

}
