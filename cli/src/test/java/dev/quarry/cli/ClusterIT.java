package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.cli.cluster.ClusterDir;
import dev.quarry.cli.cluster.ClusterLayout;
import dev.quarry.cli.cluster.LocalCluster;
import dev.quarry.cli.cluster.RoleProcesses;
import dev.quarry.ingest.json.Json;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Partitioner;
import dev.quarry.ingest.routing.ShardLayout;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.GetRequest;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.IndexRequest;
import dev.quarry.proto.v1.NodeStatus;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.proto.v1.WriteResponse;
import dev.quarry.proto.v1.WriteResult;
import dev.quarry.shard.index.Fingerprint;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quarry cluster up} with real processes and sockets (one Kafka broker, three raft-meta peers,
 * two shard servers, a coordinator, a suggest server), then a graceful stop (SIGTERM) and restart of
 * each role that takes work in turn: a shard server, the coordinator (while synchronous writes go
 * through it), the suggest server and a raft-meta follower. Documents are produced with
 * acknowledgements before each stop and while the role is down; after each restart every replica's
 * doc count and (id, version) fingerprint must equal the oracle's — the acknowledged writes, with
 * versions being their offsets — every node must be alive again, search must count them all and
 * suggest must complete the ones written while it was down. {@code cluster down} at the end must stop
 * every role by SIGTERM (none killed) and leave no process behind.
 */
class ClusterIT {
    private static final String INDEX = "packages";
    private static final int PARTITIONS = 16;
    private static final int SHARDS = 4;
    private static final int INITIAL_DOCS = 300;

    @TempDir
    Path tmp;
    private LocalCluster cluster;
    /** Acknowledged state: id -> version (offset), deletes removed. */
    private final Map<String, Long> expected = new ConcurrentHashMap<>();
    private final Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
    /** Synchronous writes that got no answer: each may or may not have reached Kafka; resolved with Get once converged. */
    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stopLeftovers() throws Exception {
        if (cluster != null && !cluster.running().isEmpty()) {
            cluster.down(Duration.ofSeconds(10));
        }
    }

    @Test
    void gracefulStopOfEachRoleLosesNothingAndLeavesTheClusterHealthy() throws Exception {
        Path dir = tmp.resolve("cluster");
        Path data = tmp.resolve("docs.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < INITIAL_DOCS; i++) {
            lines.add(doc("initial-" + i, "initial package " + i, i));
        }
        Files.write(data, lines);

        long t0 = System.nanoTime();
        assertThat(quarry("cluster", "up", "--dir", dir.toString(), "--shard-servers", "2", "--free-ports", "--data", data.toString()))
                .isZero();
        System.out.printf("cluster up: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        cluster = new LocalCluster(new ClusterDir(dir), System.out);
        ClusterLayout layout = cluster.dir().read();
        assertThat(cluster.running()).hasSize(layout.roles().size());
        assertThat(quarry("cluster", "up", "--dir", dir.toString(), "--shard-servers", "2", "--free-ports")).as("up on a running cluster").isNotZero();

        ManagedChannel ch = NettyChannelBuilder.forTarget(layout.coordinator()).usePlaintext().build();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(stringProducer(layout.kafkaBootstrap()))) {
            AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(ch);
            SearchServiceGrpc.SearchServiceBlockingStub search = SearchServiceGrpc.newBlockingStub(ch);
            // `up` loaded the initial documents (--data); write them again with acknowledgements, so the oracle knows every version.
            produce(producer, "initial", INITIAL_DOCS, 0);
            awaitHealthy(admin, search, layout, null);

            String metaFollower = metaFollower(admin);
            List<String> victims = List.of("shard-2", "coordinator", "suggest", metaFollower);
            for (int step = 0; step < victims.size(); step++) {
                String victim = victims.get(step);
                long s0 = System.nanoTime();
                produce(producer, "gs" + step + "before", 40, step * 1000);
                deleteSome(producer, step);
                SyncWriter writer = victim.equals("coordinator") ? SyncWriter.start(layout.coordinator(), step, expected, partitionOf, unanswered) : null;
                if (writer != null) {
                    writer.awaitAcks(5);
                }
                List<RoleProcesses.Stopped> stopped = cluster.stop(List.of(victim), Duration.ofSeconds(30));
                assertThat(stopped).singleElement().satisfies(s -> assertThat(s.outcome()).as(victim).isEqualTo(RoleProcesses.StopOutcome.GRACEFUL));
                assertThat(cluster.running()).doesNotContainKey(victim).hasSize(layout.roles().size() - 1);
                if (writer != null) {
                    writer.stop();
                    System.out.printf("sync writes through the coordinator: %d acknowledged, %d refused while it stopped%n",
                            writer.acked.get(), writer.refused.get());
                }
                produce(producer, "gs" + step + "down", 20, step * 1000 + 500); // while the role is down
                assertThat(quarry("cluster", "start", victim, "--dir", dir.toString())).isZero();
                awaitHealthy(admin, search, layout, "gs" + step + "down");
                System.out.printf("%s: SIGTERM, restart, healthy again in %.1f s%n", victim, (System.nanoTime() - s0) / 1e9);
            }
        } finally {
            ch.shutdownNow();
        }

        long d0 = System.nanoTime();
        List<RoleProcesses.Stopped> down = cluster.down(Duration.ofSeconds(40));
        System.out.printf("cluster down: %.1f s%n", (System.nanoTime() - d0) / 1e9);
        assertThat(down).hasSize(layout.roles().size())
                .allSatisfy(s -> assertThat(s.outcome()).as(s.role()).isEqualTo(RoleProcesses.StopOutcome.GRACEFUL));
        assertThat(cluster.running()).isEmpty();
        String marker = " -Dquarry.cluster.dir=" + cluster.dir().root() + " ";
        assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(marker)).toList())
                .as("processes of the cluster still running").isEmpty();
        assertThat(quarry("cluster", "down", "--dir", dir.toString())).as("down again is harmless").isZero();
    }

    /** Every replica STARTED with the oracle's doc count and fingerprint, every node alive, search and suggest current. */
    private void awaitHealthy(AdminServiceGrpc.AdminServiceBlockingStub admin, SearchServiceGrpc.SearchServiceBlockingStub search,
                              ClusterLayout layout, String suggestPrefix) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> {
                    for (String id : unanswered) { // unacknowledged: whatever the cluster holds, if anything, is right
                        GetResponse g = search.withDeadlineAfter(10, TimeUnit.SECONDS).get(GetRequest.newBuilder().setIndex(INDEX).setId(id).build());
                        partitionOf.put(id, Partitioner.partitionFor(id, PARTITIONS));
                        if (g.getFound()) {
                            expected.put(id, g.getVersion());
                        } else {
                            expected.remove(id);
                        }
                    }
                    Map<Integer, Long> wantFp = new HashMap<>();
                    Map<Integer, Long> wantDocs = new HashMap<>();
                    expected.forEach((id, v) -> {
                        int shard = shardOf(partitionOf.get(id));
                        wantFp.merge(shard, Fingerprint.of(id, v), Long::sum);
                        wantDocs.merge(shard, 1L, Long::sum);
                    });
                    ClusterStatusResponse st = admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).build());
                    assertThat(st.getNodesList()).extracting(NodeStatus::getId).containsExactlyInAnyOrder("shard-1", "shard-2", "suggest-1");
                    assertThat(st.getNodesList()).allSatisfy(n -> assertThat(n.getAlive()).as(n.getId()).isTrue());
                    assertThat(st.getMetaLeader()).isNotEmpty();
                    assertThat(st.getReplicasList()).hasSize(SHARDS * 2);
                    for (ReplicaStatus r : st.getReplicasList()) {
                        assertThat(r.getState()).as("%d on %s", r.getShard(), r.getNode()).isEqualTo("STARTED");
                        assertThat(r.getDocCount()).as("docs of shard %d on %s", r.getShard(), r.getNode()).isEqualTo(wantDocs.get(r.getShard()));
                        assertThat(r.getFingerprint()).as("shard %d on %s", r.getShard(), r.getNode())
                                .isEqualTo(Fingerprint.hex(wantFp.get(r.getShard())));
                    }
                    long hits = search.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .search(SearchRequest.newBuilder().setIndex(INDEX).setQuery("*").setK(1).build()).getTotalHits();
                    assertThat(hits).isEqualTo(expected.size());
                    if (suggestPrefix != null) { // exact matches first; typo matches (other steps' prefixes) may follow
                        List<String> got = suggestions(layout.suggestUrl(), suggestPrefix);
                        assertThat(got.size()).isGreaterThanOrEqualTo(20);
                        assertThat(new TreeSet<>(got.subList(0, 20))).isEqualTo(idsOf(suggestPrefix, 20));
                    }
                });
    }

    private static Set<String> idsOf(String prefix, int n) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }

    /** The ids of the suggestions for {@code prefix}, in rank order. */
    private static List<String> suggestions(String url, String prefix) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v1/suggest?index=" + INDEX + "&q=" + prefix + "&k=50"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode s : Json.parse(r.body()).get("suggestions")) {
            ids.add(s.get("id").asText());
        }
        return ids;
    }

    private String metaFollower(AdminServiceGrpc.AdminServiceBlockingStub admin) {
        String leader = admin.clusterStatus(ClusterStatusRequest.newBuilder().setSkipFingerprint(true).build()).getMetaLeader();
        assertThat(leader).matches("n[123]");
        int follower = leader.equals("n1") ? 2 : 1;
        return "meta-" + follower;
    }

    /** Sends documents {@code idPrefix-0..n-1} (named like their ids) and records each acknowledged offset as its version. */
    private void produce(KafkaProducer<String, String> producer, String idPrefix, int n, int downloadsBase) throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = idPrefix + "-" + i;
            acks.add(producer.send(new ProducerRecord<>(Topics.docs(INDEX), id, doc(id, id, downloadsBase + i))));
        }
        producer.flush();
        for (int i = 0; i < n; i++) {
            RecordMetadata md = acks.get(i).get(30, TimeUnit.SECONDS);
            partitionOf.put(idPrefix + "-" + i, md.partition());
            expected.put(idPrefix + "-" + i, md.offset());
        }
    }

    /** Deletes (acknowledged tombstones) a few of the initial documents. */
    private void deleteSome(KafkaProducer<String, String> producer, int step) throws Exception {
        for (int i = step * 7; i < step * 7 + 3; i++) {
            String id = "initial-" + i;
            RecordMetadata md = producer.send(new ProducerRecord<>(Topics.docs(INDEX), id, null)).get(30, TimeUnit.SECONDS);
            assertThat(md.partition()).isEqualTo(partitionOf.get(id));
            expected.remove(id);
        }
    }

    private static String doc(String id, String name, long downloads) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"version\":\"1.0.0\",\"description\":\"cluster test document\",\"downloads\":"
                + downloads + "}";
    }

    private static int shardOf(int partition) {
        for (int s = 0; s < SHARDS; s++) {
            if (ShardLayout.partitionsOf(s, SHARDS, PARTITIONS).contains(partition)) {
                return s;
            }
        }
        throw new IllegalStateException("no shard for partition " + partition);
    }

    private static java.util.Properties stringProducer(String bootstrap) {
        java.util.Properties p = BulkLoader.producerProperties(bootstrap, "cluster-it");
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        return p;
    }

    /** Runs {@code quarry ARGS} in this JVM (the roles it starts are separate processes); prints its output. */
    private static int quarry(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = Quarry.commandLine().execute(args);
        } finally {
            System.setOut(old);
        }
        System.out.print(buf.toString(StandardCharsets.UTF_8));
        return code;
    }

    /** Synchronous Index calls through the coordinator on one thread; every APPLIED answer is an acknowledged write. */
    private static final class SyncWriter {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        private Thread thread;
        private ManagedChannel channel;

        static SyncWriter start(String coordinator, int step, Map<String, Long> expected, Map<String, Integer> partitionOf,
                                Set<String> unanswered) {
            SyncWriter w = new SyncWriter();
            w.channel = NettyChannelBuilder.forTarget(coordinator).usePlaintext().build();
            SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(w.channel);
            w.thread = Thread.ofPlatform().name("sync-writer").start(() -> {
                for (int i = 0; w.running.get(); i++) {
                    String id = "sync-" + step + "-" + i;
                    try {
                        WriteResponse r = stub.withDeadlineAfter(10, TimeUnit.SECONDS).index(IndexRequest.newBuilder().setIndex(INDEX).setId(id)
                                .setSourceJson(doc(id, "sync write " + i, i)).build());
                        if (r.getResult() == WriteResult.APPLIED) {
                            partitionOf.put(id, r.getToken().getPartition());
                            expected.put(id, r.getToken().getOffset());
                            w.acked.incrementAndGet();
                        }
                    } catch (StatusRuntimeException e) {
                        w.refused.incrementAndGet(); // not acknowledged: the coordinator is stopping or gone
                        unanswered.add(id);
                        try {
                            TimeUnit.MILLISECONDS.sleep(50);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            });
            return w;
        }

        void awaitAcks(int n) {
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() >= n);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
            channel.shutdownNow();
        }
    }
}
