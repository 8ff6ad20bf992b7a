package dev.quarry.cli.command;

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
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Creates index {@code packages} (npm schema) and loads the bundled sample of 20,000 npm packages,
 * or a given JSON-lines file, then waits until all of it is searchable — unless the index exists,
 * in which case nothing is loaded again. Shared by {@code quarry dev} and {@code quarry cluster up}.
 */
final class SampleLoader {
    static final String INDEX = "packages";
    static final String SAMPLE = "/sample/npm-packages-20k.jsonl.gz";
    static final String SAMPLE_SCHEMA = "/sample/npm-schema.json";
    private static final long SEARCHABLE_TIMEOUT_S = 120;

    private SampleLoader() {}

    /** Creates the index and loads into it (it must not exist) until all is searchable; returns the documents sent. */
    static long load(String coordinator, String kafkaBootstrap, Path data, PrintStream out) throws Exception {
        long[] sent = {-1};
        if (!loadIfNew(coordinator, kafkaBootstrap, data, "the cluster was not fresh", out, s -> sent[0] = s.sent())) {
            throw new IllegalStateException("index '" + INDEX + "' exists already");
        }
        if (sent[0] < 0) {
            throw new IllegalStateException("the loaded documents did not all become searchable within " + SEARCHABLE_TIMEOUT_S + " s");
        }
        return sent[0];
    }

    static boolean loadIfNew(String coordinator, String kafkaBootstrap, Path data, String freshHint, PrintStream out) throws Exception {
        return loadIfNew(coordinator, kafkaBootstrap, data, freshHint, out, s -> { });
    }

    /**
     * @param data       JSON lines to load instead of the bundled sample, or null
     * @param searchable called once everything loaded is searchable (not on a timeout)
     * @return false when the index existed already (nothing loaded)
     */
    private static boolean loadIfNew(String coordinator, String kafkaBootstrap, Path data, String freshHint, PrintStream out,
                                     java.util.function.Consumer<LoadSummary> searchable) throws Exception {
        ManagedChannel ch = Grpc.channel(coordinator);
        try {
            AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
            try {
                admin.withDeadlineAfter(10, TimeUnit.SECONDS).describeIndex(DescribeIndexRequest.newBuilder().setName(INDEX).build());
                out.println("index '" + INDEX + "' exists; not loading the sample again (" + freshHint + ")");
                return false;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e;
                }
            }
            String schema = new String(resource(SAMPLE_SCHEMA).readAllBytes(), StandardCharsets.UTF_8);
            admin.withDeadlineAfter(60, TimeUnit.SECONDS).createIndex(CreateIndexRequest.newBuilder().setName(INDEX).setSchemaJson(schema).build());
            out.println("created index '" + INDEX + "'; loading " + (data == null ? "the bundled sample (20,000 npm packages)" : data) + " ...");
            LoadSummary s = load(kafkaBootstrap, data);
            LoadCommand.report(s, out);
            if (Searchable.await(coordinator, INDEX, s, SEARCHABLE_TIMEOUT_S, out)) {
                searchable.accept(s);
            }
            return true;
        } finally {
            ch.shutdownNow();
        }
    }

    private static LoadSummary load(String bootstrap, Path data) throws Exception {
        try (InputStream raw = data == null ? resource(SAMPLE) : Files.newInputStream(data);
             CountingInputStream counted = new CountingInputStream(new BufferedInputStream(raw, 1 << 16));
             Producer<byte[], byte[]> producer = new KafkaProducer<>(BulkLoader.producerProperties(bootstrap, "quarry-sample-load"))) {
            BufferedReader reader = JsonLines.reader(counted);
            Progress progress = new Progress(System.err, System.console() != null, data == null ? -1 : Files.size(data), counted::count);
            LoadSummary s = new BulkLoader(producer, Topics.docs(INDEX), "id").load(reader, n -> progress.update(n, false));
            progress.finish();
            return s;
        }
    }

    static InputStream resource(String name) {
        InputStream in = SampleLoader.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("bundled resource " + name + " is missing from the build");
        }
        return in;
    }
}
