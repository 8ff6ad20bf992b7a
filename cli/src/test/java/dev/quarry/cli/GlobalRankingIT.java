package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact global ranking on the whole npm corpus (227k documents) over 4 shards: for 500 generated
 * queries the coordinator's top-10 ids, in order, and their scores (relative difference at most
 * 1e-5) equal one Lucene index built here with the reference semantics.
 */
class GlobalRankingIT {
    private static final String SCHEMA = """
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "version": {"type": "keyword"},
                        "description": {"type": "text"}, "downloads": {"type": "long"}},
             "default_fields": ["name", "description"],
             "partitions": 8, "shards": 4, "replicas": 1, "refresh_interval_ms": 500}
            """;

    @Test
    void coordinatorRanksAndScoresAsOneIndex(@TempDir Path dir) throws Exception {
        Path corpus = Corpus.find();
        Map<String, SampleData.Pkg> docs = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(corpus)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode n = Json.parse(line);
                String id = n.get("id").asText();
                docs.remove(id); // the last record of an id wins, as in Quarry
                docs.put(id, new SampleData.Pkg(id, n.path("name").asText(""), n.path("description").asText(""), 0, line));
            }
        }
        try (DevCluster cluster = DevCluster.builder().dataDir(dir).ephemeralPorts().shardServers(2).start();
             ReferenceIndex oracle = new ReferenceIndex(new ArrayList<>(docs.values()))) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
            try {
                AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
                SearchServiceGrpc.SearchServiceBlockingStub search = SearchServiceGrpc.newBlockingStub(ch);
                admin.createIndex(CreateIndexRequest.newBuilder().setName("all").setSchemaJson(SCHEMA).build());
                try (var producer = new KafkaProducer<byte[], byte[]>(BulkLoader.producerProperties(cluster.kafkaBootstrap(), "it"));
                     BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(corpus)), StandardCharsets.UTF_8))) {
                    new BulkLoader(producer, Topics.docs("all"), "id").load(in, n -> { });
                }
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    List<ReplicaStatus> reps = admin.clusterStatus(ClusterStatusRequest.newBuilder().setIndex("all").build()).getReplicasList();
                    assertThat(reps).hasSize(4);
                    assertThat(reps.stream().mapToLong(ReplicaStatus::getDocCount).sum()).isEqualTo(docs.size());
                });
                List<String> queries = QueryGenerator.generate(docs.values().stream().map(p -> p.name() + " " + p.description()).toList(), 500, 2026);
                int checkedHits = 0;
                double worst = 0;
                for (String q : queries) {
                    List<ReferenceIndex.Scored> want = oracle.topScored(q, 10);
                    SearchResponse got = search.search(SearchRequest.newBuilder().setIndex("all").setQuery(q).setK(10).build());
                    assertThat(got.getHitsList().stream().map(Hit::getId).toList()).as(q).isEqualTo(want.stream().map(ReferenceIndex.Scored::id).toList());
                    for (int i = 0; i < want.size(); i++) {
                        double w = want.get(i).score();
                        double rel = Math.abs(got.getHits(i).getScore() - w) / Math.max(Math.abs(w), Float.MIN_NORMAL);
                        worst = Math.max(worst, rel);
                        assertThat(rel).as(q + " #" + i).isLessThanOrEqualTo(1e-5);
                        checkedHits++;
                    }
                }
                System.out.printf("global ranking on %,d documents, 4 shards: %d queries, %,d hits with equal ids in order; worst relative score difference %.2e%n",
                        docs.size(), queries.size(), checkedHits, worst);
            } finally {
                ch.shutdownNow();
            }
        }
    }
}
