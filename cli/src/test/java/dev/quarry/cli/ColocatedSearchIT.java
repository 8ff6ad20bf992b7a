package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.dev.DevCluster;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.LocalSearchRequest;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.proto.v1.SetFaultRequest;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardServiceGrpc;
import dev.quarry.shard.rpc.FaultHook;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's colocated path: on two shard servers that each hold a replica of all four
 * shards, a search is one SearchLocal call (one fan-out round), ranks and scores exactly as one
 * Lucene index, and a late shard is still named (in shard_failures with allow_partial, in the
 * status without). As in {@code quarry dev}, the coordinator reaches the shard servers of its JVM over
 * gRPC's in-process transport.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ColocatedSearchIT {
    private static final String INDEX = "colocated";

    private DevCluster cluster;
    private ManagedChannel channel;
    private SearchServiceGrpc.SearchServiceBlockingStub search;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;
    private final List<ManagedChannel> shardChannels = new ArrayList<>();
    private List<SampleData.Pkg> docs;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        System.setProperty(FaultHook.PROPERTY, "true");
        cluster = DevCluster.builder().dataDir(dir).ephemeralPorts().shardServers(2).inProcessShards(true).start(); // as `quarry dev`
        channel = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().build();
        search = SearchServiceGrpc.newBlockingStub(channel);
        admin = AdminServiceGrpc.newBlockingStub(channel);
        admin.createIndex(CreateIndexRequest.newBuilder().setName(INDEX).setSchemaJson(SampleData.schema(8, 4, 2, 200)).build());
        Map<String, SampleData.Pkg> byId = new LinkedHashMap<>();
        for (SampleData.Pkg p : SampleData.load()) {
            byId.remove(p.id()); // the last record of an id wins, as in Quarry
            byId.put(p.id(), p);
        }
        docs = new ArrayList<>(byId.values());
        try (var producer = new KafkaProducer<byte[], byte[]>(BulkLoader.producerProperties(cluster.kafkaBootstrap(), "it"))) {
            for (SampleData.Pkg p : docs) {
                producer.send(new ProducerRecord<>(Topics.docs(INDEX), p.id().getBytes(StandardCharsets.UTF_8), p.line().getBytes(StandardCharsets.UTF_8)));
            }
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            List<ReplicaStatus> reps = admin.clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).build()).getReplicasList();
            assertThat(reps).hasSize(8).allSatisfy(r -> assertThat(r.getState()).isEqualTo("STARTED"));
            assertThat(reps.stream().mapToLong(ReplicaStatus::getDocCount).sum()).isEqualTo(2L * docs.size());
        });
    }

    @AfterAll
    void stopCluster() {
        System.clearProperty(FaultHook.PROPERTY);
        shardChannels.forEach(ManagedChannel::shutdownNow);
        if (channel != null) channel.shutdownNow();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void oneCallPerSearchRanksAndScoresAsOneIndex() throws Exception {
        List<String> queries = QueryGenerator.generate(docs.stream().map(p -> p.name() + " " + p.description()).toList(), 300, 77);
        double before = counter("quarry_coordinator_fanouts_total");
        int hits = 0;
        try (ReferenceIndex oracle = new ReferenceIndex(docs)) {
            for (String q : queries) {
                List<ReferenceIndex.Scored> want = oracle.topScored(q, 10);
                SearchResponse got = search.search(SearchRequest.newBuilder().setIndex(INDEX).setQuery(q).setK(10).build());
                assertThat(got.getHitsList().stream().map(Hit::getId).toList()).as(q).isEqualTo(want.stream().map(ReferenceIndex.Scored::id).toList());
                for (int i = 0; i < want.size(); i++) {
                    double w = want.get(i).score();
                    assertThat(Math.abs(got.getHits(i).getScore() - w) / Math.max(Math.abs(w), Float.MIN_NORMAL)).as(q + " #" + i).isLessThanOrEqualTo(1e-5);
                    hits++;
                }
            }
        }
        double rounds = counter("quarry_coordinator_fanouts_total") - before;
        System.out.printf("colocated path: %d queries, %,d hits equal to one index; %.0f fan-out rounds%n", queries.size(), hits, rounds);
        assertThat(hits).isGreaterThan(1000);
        assertThat(rounds).isEqualTo(queries.size());
    }

    @Test
    @Order(2)
    void lateShardIsNamedWithAllowPartialAndInTheStatusWithout() {
        List<ShardServiceGrpc.ShardServiceBlockingStub> shards = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.shard(i).address()).usePlaintext().build();
            shardChannels.add(ch);
            shards.add(ShardServiceGrpc.newBlockingStub(ch));
        }
        shards.forEach(s -> s.setFault(SetFaultRequest.newBuilder().setIndex(INDEX).setShard(1).setQueryDelayMs(5_000).build()));
        try {
            LateShard.assertNamed(search, INDEX, 1);
        } finally {
            shards.forEach(s -> s.setFault(SetFaultRequest.newBuilder().setIndex(INDEX).setShard(1).setQueryDelayMs(0).build()));
        }
    }

    @Test
    @Order(3)
    void anIdleNodeReportsAnEmptyQueue() {
        ManagedChannel ch = NettyChannelBuilder.forTarget(cluster.shard(0).address()).usePlaintext().build();
        shardChannels.add(ch);
        ShardServiceGrpc.ShardServiceBlockingStub shard = ShardServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        ShardQueryRequest q = ShardQueryRequest.newBuilder().setIndex(INDEX).setShard(0).setQuery("react").setK(10).build();
        // C3 adds one for the request itself: the shard counts only the others (before, every answer said at least 1).
        // The smallest of five, so that an unrelated call (a status probe) running at the same moment cannot fail it.
        int query = Integer.MAX_VALUE;
        int local = Integer.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            query = Math.min(query, shard.query(q).getQueueSize());
            local = Math.min(local, shard.searchLocal(LocalSearchRequest.newBuilder().setQuery(q).addShards(0).build()).getQueueSize());
        }
        assertThat(query).isZero();
        assertThat(local).isZero();
    }

    private double counter(String name) {
        var c = cluster.metrics().find(name).counter();
        return c == null ? 0 : c.count();
    }
}
