package dev.quarry.cli.bench;

import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.shard.index.DocumentMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;

/**
 * Ingest benchmark: documents per second from produce to searchable on every replica of a
 * 2-shard × 2-replica cluster (real Kafka, Ratis, shard servers, in this JVM), beside a raw Lucene
 * {@link IndexWriter} indexing the same documents with the same field mapping in the same run;
 * then the freshness lag (acknowledged → searchable on all replicas) at half the measured rate.
 */
public final class IngestBench {
    /** Options; {@code docs} documents are taken from the start of {@code data}. */
    public record Options(Path data, int docs, int freshnessDocs, Path dir) {}

    private static final String INDEX = "bench";
    private static final String SCHEMA = """
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "version": {"type": "keyword"},
                        "description": {"type": "text"}, "downloads": {"type": "long"}},
             "partitions": 8, "shards": 2, "replicas": 2, "refresh_interval_ms": 1000}
            """;
    private static final long POLL_MS = 25;

    private IngestBench() {}

    public static void run(Options o, List<String> lines, PrintStream out) throws Exception {
        IndexSchema schema = IndexSchema.parse(SCHEMA);
        List<String> docs = lines.subList(0, Math.min(o.docs(), lines.size()));
        out.printf("%,d documents from %s%n", docs.size(), o.data());
        double lucene = luceneBaseline(schema, docs, o.dir().resolve("lucene"));
        out.printf("raw Lucene IndexWriter (one index, same mapping, commit at end): %,.0f docs/s%n", lucene);
        try (DevCluster cluster = DevCluster.builder().dataDir(o.dir().resolve("cluster")).ephemeralPorts().shardServers(2).start();
             Producer<byte[], byte[]> producer = new KafkaProducer<>(BulkLoader.producerProperties(cluster.kafkaBootstrap(), "bench"))) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
            try {
                AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
                admin.createIndex(CreateIndexRequest.newBuilder().setName(INDEX).setSchemaJson(SCHEMA).build());
                long t0 = System.nanoTime();
                Map<Integer, Long> ends = new ConcurrentHashMap<>();
                for (String line : docs) {
                    send(producer, line, ends, null);
                }
                producer.flush();
                awaitAllReplicas(admin, ends, Long.MAX_VALUE, null);
                double quarry = docs.size() / ((System.nanoTime() - t0) / 1e9);
                out.printf("Quarry, produce -> searchable on all 4 replicas (2 shards x 2): %,.0f docs/s%n", quarry);
                out.printf("ratio Quarry / Lucene: %.3f (each replica indexes half the documents; 4 replicas share 2 cores)%n", quarry / lucene);
                freshness(o, lines, producer, admin, quarry / 2, out);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static double luceneBaseline(IndexSchema schema, List<String> docs, Path dir) throws Exception {
        Files.createDirectories(dir);
        DocumentParser parser = new DocumentParser(schema);
        DocumentMapper mapper = new DocumentMapper(schema);
        long t0 = System.nanoTime();
        try (FSDirectory d = FSDirectory.open(dir);
             IndexWriter w = new IndexWriter(d, new IndexWriterConfig(new StandardAnalyzer()).setRAMBufferSizeMB(64))) {
            long v = 0;
            for (String line : docs) {
                String id = Json.parse(line).get("id").asText();
                w.addDocument(mapper.toLucene(parser.parse(id, line.getBytes(StandardCharsets.UTF_8)), v++));
            }
            w.commit();
        }
        return docs.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** Produces at {@code rate} docs/s and measures, per document, acknowledged -> searchable on every replica. */
    private static void freshness(Options o, List<String> lines, Producer<byte[], byte[]> producer, AdminServiceGrpc.AdminServiceBlockingStub admin,
                                  double rate, PrintStream out) throws Exception {
        int n = Math.min(o.freshnessDocs(), lines.size());
        Map<Long, Long> ackNanos = new ConcurrentHashMap<>(); // key: partition << 40 | offset
        Map<Integer, Long> ends = new ConcurrentHashMap<>();
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + i * intervalNanos;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            String line = lines.get(i).replace("\"downloads\": ", "\"downloads\": 1");
            send(producer, line, ends, ackNanos);
        }
        producer.flush();
        Histogram lag = new Histogram(3);
        awaitAllReplicas(admin, ends, Long.MAX_VALUE, (cp, now) -> {
            ackNanos.entrySet().removeIf(e -> {
                int p = (int) (e.getKey() >>> 40);
                long off = e.getKey() & ((1L << 40) - 1);
                if (cp.getOrDefault(p, 0L) > off) {
                    lag.recordValue(Math.max(1, (now - e.getValue()) / 1_000_000));
                    return true;
                }
                return false;
            });
        });
        out.printf("freshness at %,.0f docs/s (half the measured rate), %,d documents, refresh interval 1000 ms, status polled every %d ms:%n",
                rate, lag.getTotalCount(), POLL_MS);
        out.printf("  acknowledged -> searchable on all replicas: p50 %d ms, p99 %d ms, max %d ms%n",
                lag.getValueAtPercentile(50), lag.getValueAtPercentile(99), lag.getMaxValue());
    }

    private static void send(Producer<byte[], byte[]> producer, String line, Map<Integer, Long> ends, Map<Long, Long> ackNanos) throws Exception {
        String id = Json.parse(line).get("id").asText();
        producer.send(new ProducerRecord<>(Topics.docs(INDEX), id.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8)), (md, ex) -> {
            if (ex == null) {
                ends.merge(md.partition(), md.offset() + 1, Math::max);
                if (ackNanos != null) {
                    ackNanos.put(((long) md.partition() << 40) | md.offset(), System.nanoTime());
                }
            }
        });
    }

    /** Called with the offsets every replica covers (min over replicas, per partition) at each poll. */
    private interface Observer {
        void covered(Map<Integer, Long> minNextOffsets, long nowNanos);
    }

    private static void awaitAllReplicas(AdminServiceGrpc.AdminServiceBlockingStub admin, Map<Integer, Long> ends, long timeoutMs, Observer observer)
            throws InterruptedException {
        while (true) {
            List<ReplicaStatus> reps = new ArrayList<>(admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).setSkipFingerprint(true).build()).getReplicasList());
            long now = System.nanoTime();
            Map<Integer, Long> min = new HashMap<>();
            for (ReplicaStatus r : reps) {
                r.getCheckpoint().getNextOffsetsMap().forEach((p, off) -> min.merge(p, off, Math::min));
            }
            if (observer != null) {
                observer.covered(min, now);
            }
            boolean done = reps.size() == 4 && ends.entrySet().stream().allMatch(e -> min.getOrDefault(e.getKey(), 0L) >= e.getValue());
            if (done) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
    }
}
