package dev.quarry.meta.server;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quarry.common.meta.Heartbeater;
import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.MetaClientOptions;
import dev.quarry.meta.alloc.HotShardDetector;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatResponse;
import dev.quarry.proto.v1.HeartbeatVerdict;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.proto.v1.ShardLoad;
import dev.quarry.proto.v1.MetaServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness and the leader's allocator against real Ratis peers in this JVM, with nodes simulated by
 * the real {@link Heartbeater} (the sending side shard servers and suggest nodes use). A node whose
 * heartbeater is paused past its lease (standing in for a SIGSTOP-ed process) is marked down, its
 * replicas are replaced, anything stamped with its old incarnation is refused, and when it resumes
 * it is told to re-register and comes back as a new incarnation.
 */
class NodeLivenessIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration LEASE = Duration.ofMillis(900);
    private static final Duration BEAT = Duration.ofMillis(200);
    private static final MetaClientOptions OPTIONS = MetaClientOptions.DEFAULTS.withCallTimeout(Duration.ofSeconds(20));

    @TempDir
    Path storage;

    private final Map<String, Heartbeater> beaters = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fencings = new ConcurrentHashMap<>();
    private final Map<String, List<ShardLoad>> loads = new ConcurrentHashMap<>();

    @Test
    void aSilentNodeIsMarkedDownReplacedFencedAndReturnsAsANewIncarnation() throws Exception {
        try (MetaTestCluster cluster = MetaTestCluster.builder().peers(3).storage(storage)
                .lease(LEASE, Duration.ofMillis(100)).start();
                MetaClient client = new MetaClient(cluster.clientAddresses(), OPTIONS)) {
            for (String node : List.of("s1", "s2", "s3")) {
                startNode(client, node);
            }
            client.submit(createIndex("docs", 2, 2, 2));
            reportStarted(client);
            String victim = client.getState(true).getIndicesOrThrow("docs").getShards(0).getReplicas(0).getNodeId();
            long oldIncarnation = beaters.get(victim).incarnation();
            long epoch = client.getState(true).getRoutingEpoch();

            // Exactly one peer (the leader) takes heartbeats; the others send the client on.
            int accepted = 0;
            for (String address : cluster.clientAddresses()) {
                ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
                try {
                    HeartbeatResponse r = MetaServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .heartbeat(HeartbeatRequest.newBuilder().setNodeId(victim).setIncarnation(oldIncarnation).build());
                    assertThat(r.getVerdict()).isEqualTo(HeartbeatVerdict.ACCEPTED);
                    accepted++;
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).contains("not the leader");
                } finally {
                    channel.shutdownNow();
                }
            }
            assertThat(accepted).isEqualTo(1);

            beaters.get(victim).pause(); // as if the process were frozen past its lease
            await().atMost(WAIT).until(() -> !client.getState(true).getNodesOrThrow(victim).getAlive());
            assertThat(client.getState(true).getRoutingEpoch()).isGreaterThan(epoch);
            await().atMost(WAIT).until(() -> {
                reportStarted(client);
                return fullyReplicatedWithout(client.getState(true), victim);
            });
            assertThatThrownBy(() -> client.submit(setReplicaState("docs", 1, victim, ReplicaState.STARTED, oldIncarnation)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

            beaters.get(victim).resume(); // the next heartbeat is answered REREGISTER
            await().atMost(WAIT).until(() -> beaters.get(victim).incarnation() == oldIncarnation + 1);
            assertThat(fencings.get(victim).get()).isEqualTo(1);
            ClusterState after = client.getState(true);
            assertThat(after.getNodesOrThrow(victim).getAlive()).isTrue();
            assertThat(after.getNodesOrThrow(victim).getIncarnation()).isEqualTo(oldIncarnation + 1);
            assertThatThrownBy(() -> client.submit(setReplicaState("docs", 1, victim, ReplicaState.STARTED, oldIncarnation)))
                    .isInstanceOf(StatusRuntimeException.class);
        } finally {
            beaters.values().forEach(Heartbeater::close);
        }
    }

    @Test
    void aShardThatStaysHotGetsOneMoreReplicaAndLosesItWhenCool() throws Exception {
        HotShardDetector.Config hot = new HotShardDetector.Config(100, 1_000, Duration.ofMillis(500), Duration.ofMillis(800));
        try (MetaTestCluster cluster = MetaTestCluster.builder().peers(1).storage(storage)
                .lease(Duration.ofSeconds(3), Duration.ofMillis(100)).hotShards(hot).start();
                MetaClient client = new MetaClient(cluster.clientAddresses(), OPTIONS)) {
            for (String node : List.of("s1", "s2", "s3")) {
                startNode(client, node);
            }
            client.submit(createIndex("hot", 1, 1, 1));
            String holder = client.getState(true).getIndicesOrThrow("hot").getShards(0).getReplicas(0).getNodeId();
            loads.put(holder, List.of(ShardLoad.newBuilder().setIndex("hot").setShard(0).setQueryLatencyMs(400).build()));
            await().atMost(WAIT).until(() -> {
                reportStarted(client);
                ShardInfo s = client.getState(true).getIndicesOrThrow("hot").getShards(0);
                return s.getExtraReplicas() == 1 && live(s) == 2;
            });
            loads.put(holder, List.of(ShardLoad.newBuilder().setIndex("hot").setShard(0).setQueryLatencyMs(5).build()));
            await().atMost(WAIT).until(() -> {
                reportStarted(client);
                ShardInfo s = client.getState(true).getIndicesOrThrow("hot").getShards(0);
                return s.getExtraReplicas() == 0 && s.getReplicasCount() == 1;
            });
        } finally {
            beaters.values().forEach(Heartbeater::close);
        }
    }

    private void startNode(MetaClient client, String node) {
        long incarnation = client.submit(registerShard(node, 7200)).getIncarnation();
        fencings.put(node, new AtomicInteger());
        beaters.put(node, Heartbeater.start(client, node, incarnation, BEAT, () -> loads.getOrDefault(node, List.of()),
                old -> {
                    fencings.get(node).incrementAndGet();
                    return client.submit(registerShard(node, 7200)).getIncarnation();
                }));
    }

    /** What shard servers do: report INITIALIZING replicas on live nodes STARTED. */
    private void reportStarted(MetaClient client) {
        ClusterState state = client.getState(true);
        List<String[]> todo = new ArrayList<>();
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                for (ReplicaInfo r : shard.getReplicasList()) {
                    if (r.getState() == ReplicaState.INITIALIZING && state.getNodesOrThrow(r.getNodeId()).getAlive()) {
                        todo.add(new String[] {index.getName(), String.valueOf(shard.getId()), r.getNodeId()});
                    }
                }
            }
        }
        for (String[] t : todo) {
            try {
                client.submit(setReplicaState(t[0], Integer.parseInt(t[1]), t[2], ReplicaState.STARTED,
                        state.getNodesOrThrow(t[2]).getIncarnation()));
            } catch (StatusRuntimeException e) {
                // moved on meanwhile; the next round sees the new state
            }
        }
    }

    private static boolean fullyReplicatedWithout(ClusterState state, String gone) {
        for (ShardInfo s : state.getIndicesOrThrow("docs").getShardsList()) {
            boolean onGone = s.getReplicasList().stream().anyMatch(r -> r.getNodeId().equals(gone));
            boolean allStarted = s.getReplicasList().stream().allMatch(r -> r.getState() == ReplicaState.STARTED);
            if (onGone || s.getReplicasCount() != 2 || !allStarted) {
                return false;
            }
        }
        return true;
    }

    private static long live(ShardInfo s) {
        return s.getReplicasList().stream().filter(r -> r.getState() != ReplicaState.RETIRING).count();
    }
}
