package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.load.LoadSummary;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.ReplicaStatus;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer recovery on the whole npm corpus: a shard server joins a cluster whose shards hold 227k
 * documents; its new replicas copy a started peer's commit file by file, catch up from Kafka, and
 * end with the same (id, version) fingerprint as their peers.
 */
class PeerRecoveryIT {
    private static final String SCHEMA = """
            {"fields": {"id": {"type": "keyword"}, "name": {"type": "text"}, "version": {"type": "keyword"},
                        "description": {"type": "text"}, "downloads": {"type": "long"}},
             "partitions": 8, "shards": 2, "replicas": 2, "refresh_interval_ms": 500}
            """;

    @Test
    void aNewReplicaCopiesItsPeerAndConverges(@TempDir Path dir) throws Exception {
        Path corpus = Corpus.find();
        try (DevCluster cluster = DevCluster.builder().dataDir(dir).ephemeralPorts().shardServers(1).start()) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
            try {
                AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
                admin.createIndex(CreateIndexRequest.newBuilder().setName("rec").setSchemaJson(SCHEMA).build());
                LoadSummary load;
                long t0 = System.nanoTime();
                try (var producer = new KafkaProducer<byte[], byte[]>(BulkLoader.producerProperties(cluster.kafkaBootstrap(), "it"));
                     BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(corpus)), StandardCharsets.UTF_8))) {
                    load = new BulkLoader(producer, Topics.docs("rec"), "id").load(in, n -> { });
                }
                long docs = load.sent();
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(status(admin).stream().mapToLong(ReplicaStatus::getDocCount).sum()).isEqualTo(docs));
                System.out.printf("replay from Kafka: %,d documents indexed by one replica per shard in %.1f s (produce included)%n",
                        docs, (System.nanoTime() - t0) / 1e9);

                long t1 = System.nanoTime();
                cluster.addShardServer();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    List<ReplicaStatus> reps = status(admin);
                    assertThat(reps).hasSize(4).allSatisfy(r -> assertThat(r.getState()).isEqualTo("STARTED"));
                    Map<Integer, List<String>> fps = reps.stream().collect(Collectors.groupingBy(ReplicaStatus::getShard,
                            Collectors.mapping(ReplicaStatus::getFingerprint, Collectors.toList())));
                    fps.values().forEach(f -> assertThat(f).hasSize(2).doesNotContain("").allMatch(x -> x.equals(f.get(0))));
                    assertThat(reps.stream().mapToLong(ReplicaStatus::getDocCount).sum()).isEqualTo(2 * docs);
                });
                System.out.printf("peer recovery: new replicas of both shards started with equal fingerprints %.1f s after the node joined%n",
                        (System.nanoTime() - t1) / 1e9);
                double copied = cluster.metrics().find("quarry_recovery_bytes").counters().stream().mapToDouble(c -> c.count()).sum();
                assertThat(copied).as("bytes copied from a peer").isGreaterThan(1_000_000);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static List<ReplicaStatus> status(AdminServiceGrpc.AdminServiceBlockingStub admin) {
        return admin.clusterStatus(ClusterStatusRequest.newBuilder().setIndex("rec").build()).getReplicasList();
    }
}
