package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.node.SuggestNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Typeahead freshness and restart on the embedded cluster (real Kafka, Ratis, suggest HTTP):
 * 200 upserts and 200 deletes produced with a plain KafkaProducer, each watched over HTTP from the
 * moment it is sent until it is suggested (or no longer suggested); p99 must stay within 1 s, with
 * the default rebuild policy (so changes are served by the streaming delta, not by rebuilds). Then
 * a persisted snapshot is restored by a second suggest node, which must answer the same; and the
 * demo page's {@code /v1/search} reaches the real coordinator.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SuggestFreshnessIT {
    private static final String INDEX = "fresh";
    private static final int PARTITIONS = 4;
    private static final int DOCS = 200;
    private static final int BATCH = 20;

    private Path dir;
    private DevCluster cluster;
    private ManagedChannel channel;
    private KafkaProducer<String, String> producer;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        cluster = DevCluster.builder().dataDir(dir.resolve("cluster")).ephemeralPorts().shardServers(1).start();
        channel = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
        AdminServiceGrpc.newBlockingStub(channel).createIndex(CreateIndexRequest.newBuilder()
                .setName(INDEX).setSchemaJson(SampleData.schema(PARTITIONS, 1, 1, 1000)).build());
        var props = dev.quarry.ingest.load.BulkLoader.producerProperties(cluster.kafkaBootstrap(), "fresh-it");
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.put("linger.ms", "0");
        producer = new KafkaProducer<>(props);
        // The index exists on the suggest node once a first lookup stops answering 404.
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/v1/suggest?index=" + INDEX + "&q=x") == 200);
    }

    @AfterAll
    void stop() {
        if (producer != null) producer.close();
        if (channel != null) channel.shutdownNow();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void upsertsAndDeletesAreVisibleWithinOneSecondAtP99() throws Exception {
        long[] upserts = new long[DOCS];
        long[] deletes = new long[DOCS];
        for (int b = 0; b < DOCS / BATCH; b++) {
            measureBatch(b, true, upserts);
        }
        for (int b = 0; b < DOCS / BATCH; b++) {
            measureBatch(b, false, deletes);
        }
        report("upsert → suggested", upserts);
        report("delete → gone", deletes);
        assertThat(percentile(upserts, 99)).as("upsert p99 (ms)").isLessThanOrEqualTo(1_000);
        assertThat(percentile(deletes, 99)).as("delete p99 (ms)").isLessThanOrEqualTo(1_000);
    }

    @Test
    @Order(2)
    void aRestartedNodeRestoresTheSnapshotAndAnswersTheSame() throws Exception {
        SuggestIndex live = cluster.suggestRegistry().find(INDEX).orElseThrow();
        for (int i = 0; i < 50; i++) { // some documents to carry over
            producer.send(new ProducerRecord<>(Topics.docs(INDEX), "kept-" + i,
                    "{\"id\":\"kept-" + i + "\",\"name\":\"kept name " + i + "\",\"description\":\"d\",\"downloads\":" + (i * 7) + "}")).get();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> live.lookup("kept name", 50).size() == 50);
        long t0 = System.nanoTime();
        live.rebuildNow(); // publishes and persists
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        Path snapshotDir = dir.resolve("cluster/suggest/" + INDEX);
        assertThat(Files.exists(snapshotDir.resolve("snapshot.bin"))).isTrue();
        // Written after the snapshot: the restarted node must replay exactly this tail.
        producer.send(new ProducerRecord<>(Topics.docs(INDEX), "kept-0", null)).get();
        producer.send(new ProducerRecord<>(Topics.docs(INDEX), "tail-doc",
                "{\"id\":\"tail-doc\",\"name\":\"kept tail\",\"description\":\"d\",\"downloads\":1000}")).get();

        Path copy = dir.resolve("restarted");
        copyTree(dir.resolve("cluster/suggest"), copy);
        long r0 = System.nanoTime();
        try (SuggestNode second = new SuggestNode(cluster.kafkaBootstrap(), cluster.metaAddress(), copy, new SimpleMeterRegistry())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> second.registry().find(INDEX).isPresent());
            SuggestIndex restored = second.registry().find(INDEX).orElseThrow();
            long readyMs = (System.nanoTime() - r0) / 1_000_000;
            assertThat(restored.snapshotVersion()).as("restored, not rebuilt").isPositive();
            await().atMost(Duration.ofSeconds(10)).until(() -> restored.watermark().equals(live.watermark()));
            System.out.printf("suggest restart: ready (snapshot restored) in %d ms; full rebuild of the same entries %d ms%n",
                    readyMs, buildMs);
            for (String q : List.of("kept", "kept name 1", "kept tail", "fresh", "kpet", "k", "ke")) {
                assertThat(restored.lookup(q, 50)).as("q=%s", q).isEqualTo(live.lookup(q, 50));
            }
            assertThat(restored.lookup("kept name 0", 1)).noneMatch(s -> s.id().equals("kept-0"));
            assertThat(restored.lookup("kept tail", 1)).extracting(s -> s.id()).containsExactly("tail-doc");
        }
    }

    @Test
    @Order(3)
    void theDemoPageSearchGoesThroughTheCoordinator() throws Exception {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            HttpResponse<String> r = get("/v1/search?index=" + INDEX + "&k=5&q=" + URLEncoder.encode("\"kept tail\"", StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode hits = Json.parse(r.body()).get("hits");
            assertThat(hits).hasSize(1);
            assertThat(hits.get(0).get("id").asText()).isEqualTo("tail-doc");
            assertThat(hits.get(0).get("source").get("name").asText()).isEqualTo("kept tail");
        });
        assertThat(status("/v1/search?index=nope&q=x")).isIn(404, 400);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Quarry typeahead");
    }

    /** Sends one batch (upserts or deletes) and records, per document, ms from send to visible/gone. */
    private void measureBatch(int batch, boolean upsert, long[] out) throws Exception {
        String prefix = String.format("fresh-b%02d-", batch);
        Map<String, Long> sentAt = new HashMap<>();
        for (int i = 0; i < BATCH; i++) {
            String name = prefix + String.format("%02d", i);
            String value = upsert
                    ? "{\"id\":\"" + name + "\",\"name\":\"" + name + "\",\"description\":\"x\",\"downloads\":" + (1000 + i) + "}"
                    : null;
            sentAt.put(name, System.nanoTime());
            producer.send(new ProducerRecord<>(Topics.docs(INDEX), name, value));
        }
        producer.flush();
        Map<String, Long> pending = new HashMap<>(sentAt);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Set<String> shown = suggestedWithPrefix(prefix);
            long now = System.nanoTime();
            for (String name : List.copyOf(pending.keySet())) {
                if (shown.contains(name) == upsert) {
                    out[batch * BATCH + Integer.parseInt(name.substring(prefix.length()))] = (now - pending.remove(name)) / 1_000_000;
                }
            }
        }
        assertThat(pending).as("not %s within 10 s", upsert ? "visible" : "gone").isEmpty();
    }

    private Set<String> suggestedWithPrefix(String prefix) throws Exception {
        JsonNode body = Json.parse(get("/v1/suggest?index=" + INDEX + "&k=50&q=" + URLEncoder.encode(prefix, StandardCharsets.UTF_8)).body());
        Set<String> out = new HashSet<>();
        for (JsonNode s : body.get("suggestions")) {
            String text = s.get("text").asText();
            if (text.startsWith(prefix)) { // typo matches of other batches fill the rest
                out.add(text);
            }
        }
        return out;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(cluster.suggestUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String path) throws Exception {
        return get(path).statusCode();
    }

    private static void report(String what, long[] ms) {
        System.out.printf("suggest freshness, %s over %d documents: p50 %d ms, p99 %d ms, max %d ms%n",
                what, ms.length, percentile(ms, 50), percentile(ms, 99), Arrays.stream(ms).max().orElse(0));
    }

    private static long percentile(long[] ms, int p) {
        long[] sorted = ms.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
