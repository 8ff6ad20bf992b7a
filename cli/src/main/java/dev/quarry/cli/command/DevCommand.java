package dev.quarry.cli.command;

import dev.quarry.cli.dev.DevCluster;
import dev.quarry.cli.util.CountingInputStream;
import dev.quarry.cli.util.JsonLines;
import dev.quarry.cli.util.Progress;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.load.LoadSummary;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.DescribeIndexRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run a whole Quarry cluster in this process: a Kafka broker (KRaft), raft-meta, shard servers, a coordinator and a suggest server.",
                "On first start it creates index 'packages' and loads the bundled sample of 20,000 npm packages. Ctrl-C stops it cleanly; data stays in --dir."})
public final class DevCommand implements Callable<Integer> {
    static final String SAMPLE = "/sample/npm-packages-20k.jsonl.gz";
    static final String SAMPLE_SCHEMA = "/sample/npm-schema.json";
    private static final long SEARCHABLE_TIMEOUT_S = 120;

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

    @Mixin
    AdmissionOptions admission;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (fresh) {
            deleteTree(dir);
        }
        System.out.println("starting Quarry dev cluster in " + dir.toAbsolutePath() + " ...");
        DevCluster cluster = DevCluster.builder().dataDir(dir).host(host).shardServers(shardServers)
                .admission(admission.toConfig()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping...");
            cluster.close();
            stopped.countDown();
        }, "dev-shutdown"));
        if (!noSample) {
            loadSampleIfNew(cluster);
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

    private void loadSampleIfNew(DevCluster cluster) throws Exception {
        ManagedChannel ch = Grpc.channel(cluster.coordinatorAddress());
        try {
            AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
            try {
                admin.withDeadlineAfter(10, TimeUnit.SECONDS).describeIndex(DescribeIndexRequest.newBuilder().setName("packages").build());
                System.out.println("index 'packages' exists; not loading the sample again (use --fresh to start over)");
                return;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e;
                }
            }
            String schema = new String(resource(SAMPLE_SCHEMA).readAllBytes(), StandardCharsets.UTF_8);
            admin.withDeadlineAfter(60, TimeUnit.SECONDS).createIndex(CreateIndexRequest.newBuilder().setName("packages").setSchemaJson(schema).build());
            System.out.println("created index 'packages'; loading " + (data == null ? "the bundled sample (20,000 npm packages)" : data) + " ...");
            LoadSummary s = load(cluster.kafkaBootstrap());
            LoadCommand.report(s, System.out);
            Searchable.await(cluster.coordinatorAddress(), "packages", s, SEARCHABLE_TIMEOUT_S, System.out);
        } finally {
            ch.shutdownNow();
        }
    }

    private LoadSummary load(String bootstrap) throws Exception {
        try (InputStream raw = data == null ? resource(SAMPLE) : Files.newInputStream(data);
             CountingInputStream counted = new CountingInputStream(new BufferedInputStream(raw, 1 << 16));
             Producer<byte[], byte[]> producer = new KafkaProducer<>(BulkLoader.producerProperties(bootstrap, "quarry-dev-load"))) {
            BufferedReader reader = JsonLines.reader(counted);
            Progress progress = new Progress(System.err, System.console() != null, data == null ? -1 : Files.size(data), counted::count);
            LoadSummary s = new BulkLoader(producer, Topics.docs("packages"), "id").load(reader, n -> progress.update(n, false));
            progress.finish();
            return s;
        }
    }

    private static InputStream resource(String name) {
        InputStream in = DevCommand.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("bundled resource " + name + " is missing from the build");
        }
        return in;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
