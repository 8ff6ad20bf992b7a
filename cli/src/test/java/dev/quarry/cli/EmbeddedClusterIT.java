package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.routing.Partitioner;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.shard.index.Fingerprint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
 * The walking skeleton end to end, on real components over real sockets: an embedded Kafka broker
 * (KRaft), a Ratis metadata peer, two shard servers, the coordinator and the suggest server.
 * Documents go in with a plain KafkaProducer; answers are checked against independent oracles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedClusterIT {
    private static final String INDEX = "npm";
    private static final int PARTITIONS = 8;

    private DevCluster cluster;
    private ManagedChannel channel;
    private SearchServiceGrpc.SearchServiceBlockingStub search;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;
    private KafkaProducer<String, String> producer;
    private List<SampleData.Pkg> docs;
    /** The oracle of what every replica must hold: id -> version (offset of its latest write). */
    private final Map<String, Long> expected = new HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        cluster = DevCluster.builder().dataDir(dir).ephemeralPorts().shardServers(2).commitIntervalMs(500).start();
        channel = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
        search = SearchServiceGrpc.newBlockingStub(channel);
        admin = AdminServiceGrpc.newBlockingStub(channel);
        admin.createIndex(CreateIndexRequest.newBuilder().setName(INDEX).setSchemaJson(SampleData.schema(PARTITIONS, 2, 1, 200)).build());
        var props = dev.quarry.ingest.load.BulkLoader.producerProperties(cluster.kafkaBootstrap(), "it");
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        producer = new KafkaProducer<>(props);
        docs = SampleData.load();
    }

    @AfterAll
    void stopCluster() {
        if (producer != null) producer.close();
        if (channel != null) channel.shutdownNow();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void producedDocumentsBecomeSearchableAndRouteLikeKafka() throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (SampleData.Pkg p : docs) {
            acks.add(producer.send(new ProducerRecord<>(Topics.docs(INDEX), p.id(), p.line())));
        }
        producer.flush();
        for (int i = 0; i < docs.size(); i++) {
            RecordMetadata md = acks.get(i).get();
            String id = docs.get(i).id();
            // Routing: Kafka's own default partitioner put the record where Quarry computes it.
            assertThat(md.partition()).as(id).isEqualTo(Partitioner.partitionFor(id, PARTITIONS));
            expected.put(id, md.offset());
        }
        awaitReplicasMatchOracle();
        assertThat(totalHits("*")).isEqualTo(docs.size());
    }

    @Test
    @Order(2)
    void searchAgreesWithOneLuceneIndex() throws Exception {
        List<String> queries = generatedQueries(120, new Random(7));
        double overlapSum = 0;
        int identical = 0;
        try (ReferenceIndex oracle = new ReferenceIndex(docs)) {
            for (String q : queries) {
                List<String> want = oracle.top(q, 10);
                SearchResponse r = search.search(SearchRequest.newBuilder().setIndex(INDEX).setQuery(q).setK(10).build());
                List<String> got = r.getHitsList().stream().map(Hit::getId).toList();
                assertThat(r.getHitsList()).allSatisfy(h -> assertThat(Json.parse(h.getSourceJson()).get("id").asText()).isEqualTo(h.getId()));
                identical += want.equals(got) ? 1 : 0;
                Set<String> inter = new HashSet<>(want);
                inter.retainAll(got);
                overlapSum += want.isEmpty() && got.isEmpty() ? 1.0 : inter.size() / (double) Math.max(want.size(), got.size());
            }
        }
        double mean = overlapSum / queries.size();
        System.out.printf("mean top-10 overlap with the single-index oracle over %d queries: %.4f; identical ordered top-10: %d%n",
                queries.size(), mean, identical);
        assertThat(mean).isGreaterThanOrEqualTo(0.9);
        // GLOBAL scoring (the default) ranks exactly as one index holding all documents.
        assertThat(identical).isEqualTo(queries.size());
    }

    @Test
    @Order(3)
    void suggestionsEqualABruteForceScan() throws Exception {
        SuggestOracle oracle = new SuggestOracle();
        for (SampleData.Pkg p : docs) {
            oracle.add(p.name(), p.downloads(), p.id());
        }
        List<String> prefixes = prefixes(220, new Random(11));
        for (String q : prefixes) {
            List<SuggestOracle.Entry> want = oracle.top(q, 10);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(suggest(q, 10)).as("q=%s", q).isEqualTo(want));
        }
    }

    @Test
    @Order(4)
    void malformedRecordIsSkippedAndLaterRecordsApply() throws Exception {
        String badId = "zz-bad-record";
        RecordMetadata bad = producer.send(new ProducerRecord<>(Topics.docs(INDEX), badId, "{\"name\": \"broken\", ")).get();
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "zz-after-bad-" + i;
            RecordMetadata md = producer.send(new ProducerRecord<>(Topics.docs(INDEX), id,
                    "{\"id\":\"" + id + "\",\"name\":\"after bad " + i + "\",\"version\":\"1.0.0\",\"description\":\"quarrytestmarker\",\"downloads\":1}")).get();
            expected.put(id, md.offset());
            after.add(id);
        }
        awaitReplicasMatchOracle();
        assertThat(totalHits("quarrytestmarker")).isEqualTo(after.size());
        assertThat(totalHits("id:\"" + badId + "\"")).isZero();
        assertThat(bad.partition()).isEqualTo(Partitioner.partitionFor(badId, PARTITIONS));
        double skipped = cluster.metrics().find("quarry_ingest_bad_records_total").tag("reason", "invalid_json").counters()
                .stream().mapToDouble(c -> c.count()).sum();
        assertThat(skipped).isEqualTo(1.0);
    }

    @Test
    @Order(5)
    void restartedShardServerResumesFromItsCommitAndConverges() throws Exception {
        cluster.stopShard(0);
        Random r = new Random(3);
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String id = "zz-restart-" + i;
            ids.add(id);
            acks.add(producer.send(new ProducerRecord<>(Topics.docs(INDEX), id,
                    "{\"id\":\"" + id + "\",\"name\":\"restart " + i + "\",\"description\":\"written while a shard server was down\",\"downloads\":" + i + "}")));
        }
        for (int i = 0; i < 200; i++) { // updates of existing documents
            SampleData.Pkg p = docs.get(r.nextInt(docs.size()));
            ids.add(p.id());
            acks.add(producer.send(new ProducerRecord<>(Topics.docs(INDEX), p.id(), p.line().replace("\"downloads\": ", "\"downloads\": 1"))));
        }
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < 100; i++) { // deletes
            SampleData.Pkg p = docs.get(r.nextInt(docs.size()));
            deleted.add(p.id());
            acks.add(producer.send(new ProducerRecord<>(Topics.docs(INDEX), p.id(), null)));
        }
        producer.flush();
        for (int i = 0; i < acks.size(); i++) {
            RecordMetadata md = acks.get(i).get();
            if (i < ids.size()) {
                expected.put(ids.get(i), md.offset());
            } else {
                expected.remove(deleted.get(i - ids.size()));
            }
        }
        cluster.startShard(0);
        awaitReplicasMatchOracle();
        assertThat(totalHits("*")).isEqualTo(expected.size());
    }

    /** Every replica's doc count and (id, version) fingerprint equal the oracle's. */
    private void awaitReplicasMatchOracle() {
        long fp = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            fp += Fingerprint.of(e.getKey(), e.getValue());
        }
        String want = Fingerprint.hex(fp);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            ClusterStatusResponse st = admin.clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).build());
            assertThat(st.getReplicasList()).hasSize(2);
            assertThat(st.getReplicasList()).allSatisfy(rep -> assertThat(rep.getState()).isEqualTo("STARTED"));
            long docsTotal = st.getReplicasList().stream().mapToLong(ReplicaStatus::getDocCount).sum();
            assertThat(docsTotal).isEqualTo(expected.size());
            long sum = 0;
            for (ReplicaStatus rep : st.getReplicasList()) {
                sum += Long.parseUnsignedLong(rep.getFingerprint(), 16);
            }
            assertThat(Fingerprint.hex(sum)).isEqualTo(want);
        });
    }

    private long totalHits(String q) {
        return search.search(SearchRequest.newBuilder().setIndex(INDEX).setQuery(q).setK(1).build()).getTotalHits();
    }

    private List<SuggestOracle.Entry> suggest(String q, int k) throws Exception {
        String url = cluster.suggestUrl() + "/v1/suggest?index=" + INDEX + "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&k=" + k;
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        List<SuggestOracle.Entry> out = new ArrayList<>();
        for (JsonNode s : Json.parse(resp.body()).get("suggestions")) {
            out.add(new SuggestOracle.Entry(s.get("text").asText(), s.get("weight").asLong(), s.get("id").asText()));
        }
        return out;
    }

    /** Queries made of words from the corpus (the generator `quarry bench search` uses). */
    private List<String> generatedQueries(int n, Random r) {
        return QueryGenerator.generate(docs.stream().map(p -> p.name() + " " + p.description()).toList(), n, r.nextLong());
    }

    /** Prefixes of names, 1..8 characters, from the start and from word starts. */
    private List<String> prefixes(int n, Random r) {
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            String name = docs.get(r.nextInt(docs.size())).name();
            int start = 0;
            if (r.nextBoolean()) {
                List<Integer> starts = new ArrayList<>();
                for (int i = 1; i < name.length(); i++) {
                    if (!Character.isLetterOrDigit(name.charAt(i - 1)) && Character.isLetterOrDigit(name.charAt(i))) starts.add(i);
                }
                if (!starts.isEmpty()) start = starts.get(r.nextInt(starts.size()));
            }
            int len = 1 + r.nextInt(8);
            if (start + len <= name.length()) out.add(name.substring(start, start + len));
        }
        return List.copyOf(out);
    }

}
