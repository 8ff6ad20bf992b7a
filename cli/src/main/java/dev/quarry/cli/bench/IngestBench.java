package dev.quarry.cli.bench;

import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.ShardLayout;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.shard.index.DocumentMapper;
import dev.quarry.shard.replica.ReplicaSpec;
import io.micrometer.core.instrument.Timer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;

/**
 * Ingest benchmark on a 2-shard × 2-replica cluster (real Kafka, Ratis, shard servers, in this JVM):
 * <ol>
 *   <li>throughput: documents per second from the first produce to searchable on every replica,
 *       beside a raw Lucene {@link IndexWriter} indexing the same documents with the same field
 *       mapping in the same run, with the ratios defined in {@link #printRatios};</li>
 *   <li>freshness: the lag from produce-acknowledged to searchable on all replicas while producing
 *       at half the measured rate ({@link FreshnessRun}), once for new documents (the kind of write the
 *       throughput run measured: the figure the target is about) and once for updates of existing
 *       ones, each after the machine has gone quiet ({@link MachineQuiet}) and each measured after a
 *       warm-up at the same rate in the same stream, whose lags are printed apart;</li>
 *   <li>recovery: a new replica of shard 0 by peer file copy versus by replay from Kafka
 *       ({@link RecoveryRun}).</li>
 * </ol>
 * The machine's load average is printed first: another process using the cores skews every figure.
 */
public final class IngestBench {
    /** Options; {@code docs} documents are taken from the start of {@code data}. */
    public record Options(Path data, int docs, int freshnessSeconds, int freshnessWarmupSeconds, boolean recovery, Path dir, int applyNice) {}

    private static final String INDEX = "bench";
    private static final int SHARDS = 2;
    private static final int REPLICAS = 2;
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
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        out.printf("%,d documents from %s; %d cores, load average %.2f before the run%n", docs.size(), o.data(),
                os.getAvailableProcessors(), os.getSystemLoadAverage());
        Baseline lucene = luceneBaseline(schema, docs, o.dir().resolve("lucene"));
        out.printf("raw Lucene IndexWriter (one index, one thread, same mapping, commit at end): %,.0f docs/s%n", lucene.docsPerSecond());
        try (DevCluster cluster = DevCluster.builder().dataDir(o.dir().resolve("cluster")).ephemeralPorts().shardServers(2)
                .applyNice(o.applyNice()).start();
             Producer<byte[], byte[]> producer = new KafkaProducer<>(BulkLoader.producerProperties(cluster.kafkaBootstrap(), "bench"))) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
            try {
                AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
                admin.createIndex(CreateIndexRequest.newBuilder().setName(INDEX).setSchemaJson(SCHEMA).build());
                awaitAllReplicas(admin, Map.of());
                out.printf("apply threads at nice +%d (--apply-nice)%n", o.applyNice());
                Map<String, double[]> timers0 = engineTimers(cluster);
                long applyCpu0 = ThreadCpu.now().nanos(IngestBench::isApplyThread);
                long t0 = System.nanoTime();
                Map<Integer, Long> ends = new ConcurrentHashMap<>();
                for (String line : docs) {
                    send(producer, line, ends);
                }
                producer.flush();
                awaitAllReplicas(admin, ends);
                double seconds = (System.nanoTime() - t0) / 1e9;
                double applyCpuSeconds = (ThreadCpu.now().nanos(IngestBench::isApplyThread) - applyCpu0) / 1e9;
                out.printf("Quarry, produce -> searchable on all %d replicas (%d shards x %d): %,.0f docs/s (%.1f s)%n",
                        SHARDS * REPLICAS, SHARDS, REPLICAS, docs.size() / seconds, seconds);
                printRatios(out, docs.size(), seconds, applyCpuSeconds, lucene);
                Map<String, double[]> timers1 = engineTimers(cluster);
                printEngineTimers(out, timers0, timers1, "during the throughput run");

                double rate = docs.size() / seconds / 2;
                for (FreshnessRun.Writes writes : FreshnessRun.Writes.values()) {
                    MachineQuiet.await(os, out, "merges and commits");
                    Map<String, double[]> timersBefore = engineTimers(cluster);
                    ThreadCpu cpu0 = ThreadCpu.now();
                    int warmup = (int) Math.ceil(rate * o.freshnessWarmupSeconds());
                    FreshnessRun.Result f = FreshnessRun.run(INDEX, Topics.docs(INDEX), lines, warmup, (int) Math.ceil(rate * o.freshnessSeconds()), writes,
                            producer, admin, SHARDS * REPLICAS, rate);
                    out.printf("freshness of %s: %,d at %,.0f docs/s (half the measured rate) for %.1f s, refresh interval 1000 ms;%n",
                            writes.label, f.lagMs().getTotalCount(), f.rate(), f.seconds());
                    if (warmup > 0) {
                        out.printf("  measured after a warm-up of %,d writes (%d s) at the same rate in the same stream, not counted: p50 %d ms, p99 %d ms, max %d ms%n",
                                warmup, o.freshnessWarmupSeconds(), f.warmupMs().getValueAtPercentile(50), f.warmupMs().getValueAtPercentile(99),
                                f.warmupMs().getMaxValue());
                    }
                    out.printf("  acknowledged -> searchable on all replicas (status polled every %d ms, during production):%n", FreshnessRun.POLL_MS);
                    out.printf("  p50 %d ms, p99 %d ms, max %d ms (first half p99 %d ms, second half p99 %d ms)%n",
                            f.lagMs().getValueAtPercentile(50), f.lagMs().getValueAtPercentile(99), f.lagMs().getMaxValue(),
                            f.firstHalfMs().getValueAtPercentile(99), f.secondHalfMs().getValueAtPercentile(99));
                    out.printf("  the bench's own threads (sender, producer I/O, observer) used %.2f cores of %d; %s%n", f.benchCpuCores(),
                            os.getAvailableProcessors(), ThreadCpu.now().coresSince(cpu0));
                    printEngineTimers(out, timersBefore, engineTimers(cluster), "during this run");
                }

                if (o.recovery()) {
                    ReplicaSpec spec = new ReplicaSpec(INDEX, 0, schema, ShardLayout.partitionsOf(0, SHARDS, schema.partitions()));
                    RecoveryRun.Result r = RecoveryRun.run(spec, docs.size() / SHARDS, cluster.shard(0).address(), cluster.kafkaBootstrap(),
                            o.dir().resolve("recovery"));
                    out.printf("new replica of shard 0 (about %,d documents), searchable up to the log end:%n", r.docs());
                    out.printf("  by peer file copy: %.1f s (copy of %,d MiB %.1f s, then the tail from Kafka)%n",
                            r.fileCopyTotalSeconds(), r.copiedBytes() >> 20, r.copySeconds());
                    out.printf("  by replay from Kafka: %.1f s (%.1fx the copy)%n", r.replaySeconds(), r.replaySeconds() / r.fileCopyTotalSeconds());
                }
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /**
     * Prints the throughput ratios with their definitions. {@code n} documents were searchable on
     * all replicas {@code seconds} after the first was produced.
     */
    private static void printRatios(PrintStream out, int n, double seconds, double applyCpuSeconds, Baseline lucene) {
        double cluster = n / seconds;
        double perReplica = n / (double) SHARDS / seconds;
        int sharing = SHARDS * REPLICAS;
        out.printf("ratios against raw Lucene (%,.0f docs/s):%n", lucene.docsPerSecond());
        out.printf("  cluster   %.2f = Quarry docs/s / Lucene docs/s (every document indexed by %d replicas, "
                + "all on the same cores as Kafka)%n", cluster / lucene.docsPerSecond(), REPLICAS);
        out.printf("  replica   %.2f = one replica's docs/s (%,.0f: its shard's half of the documents / %.1f s) / "
                + "(Lucene docs/s / %d replicas sharing the machine)%n",
                perReplica / (lucene.docsPerSecond() / sharing), perReplica, seconds, sharing);
        double quarryCpuPerDoc = applyCpuSeconds / (n * (double) REPLICAS);
        double luceneCpuPerDoc = lucene.threadCpuSeconds() / n;
        out.printf("  CPU/doc   %.2f = Lucene indexing-thread CPU per document (%.1f us) / Quarry apply-thread CPU per document "
                + "and replica (%.1f us) (merges excluded on both sides)%n",
                luceneCpuPerDoc / quarryCpuPerDoc, luceneCpuPerDoc * 1e6, quarryCpuPerDoc * 1e6);
    }

    private static final List<String> ENGINE_TIMERS = List.of("quarry_shard_refresh", "quarry_shard_refresh_wait", "quarry_shard_commit");

    /** Per timer: {count, total ms, max ms} summed (max: maximum) over the index's replicas; Micrometer's max is over the last 2 minutes. */
    private static Map<String, double[]> engineTimers(DevCluster cluster) {
        Map<String, double[]> out = new HashMap<>();
        for (String name : ENGINE_TIMERS) {
            double[] v = new double[3];
            for (Timer t : cluster.metrics().find(name).tag("index", INDEX).timers()) {
                v[0] += t.count();
                v[1] += t.totalTime(TimeUnit.MILLISECONDS);
                v[2] = Math.max(v[2], t.max(TimeUnit.MILLISECONDS));
            }
            out.put(name, v);
        }
        return out;
    }

    private static void printEngineTimers(PrintStream out, Map<String, double[]> before, Map<String, double[]> after, String when) {
        for (String name : ENGINE_TIMERS) {
            double count = after.get(name)[0] - before.get(name)[0];
            double totalMs = after.get(name)[1] - before.get(name)[1];
            out.printf("  %s %s: %.0f over %d replicas, mean %.0f ms, max (last 2 min) %.0f ms%n", name, when, count, SHARDS * REPLICAS,
                    count == 0 ? 0 : totalMs / count, after.get(name)[2]);
        }
    }

    private record Baseline(double docsPerSecond, double threadCpuSeconds) {}

    private static Baseline luceneBaseline(IndexSchema schema, List<String> docs, Path dir) throws Exception {
        Files.createDirectories(dir);
        DocumentParser parser = new DocumentParser(schema);
        DocumentMapper mapper = new DocumentMapper(schema);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
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
        return new Baseline(docs.size() / ((System.nanoTime() - t0) / 1e9), (threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
    }

    /** Every replica's apply thread of the bench index (named {@code apply-<node>:<index>/<shard>}). */
    private static boolean isApplyThread(String name) {
        return name.startsWith("apply-") && name.contains(":" + INDEX + "/");
    }

    private static void send(Producer<byte[], byte[]> producer, String line, Map<Integer, Long> ends) throws Exception {
        String id = Json.parse(line).get("id").asText();
        producer.send(new ProducerRecord<>(Topics.docs(INDEX), id.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8)), (md, ex) -> {
            if (ex == null) {
                ends.merge(md.partition(), md.offset() + 1, Math::max);
            }
        });
    }

    /** Waits until all replicas are reported and every one's visible checkpoint reaches {@code ends}. */
    private static void awaitAllReplicas(AdminServiceGrpc.AdminServiceBlockingStub admin, Map<Integer, Long> ends) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            List<ReplicaStatus> reps = new ArrayList<>(admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).setSkipFingerprint(true).build()).getReplicasList());
            Map<Integer, Long> min = new HashMap<>();
            for (ReplicaStatus r : reps) {
                r.getCheckpoint().getNextOffsetsMap().forEach((p, off) -> min.merge(p, off, Math::min));
            }
            boolean started = reps.size() == SHARDS * REPLICAS && reps.stream().allMatch(r -> r.getState().equals("STARTED"));
            if (started && ends.entrySet().stream().allMatch(e -> min.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
        throw new IllegalStateException("not searchable on all replicas within 10 minutes");
    }
}
