package dev.quarry.meta.server;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.MetaClientOptions;
import dev.quarry.common.meta.StateWatcher;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.ReplicaState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real Ratis peers in one JVM: one leader, identical states everywhere, and a failover. */
class ThreeMetaPeersIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final MetaClientOptions OPTIONS = MetaClientOptions.DEFAULTS.withCallTimeout(Duration.ofSeconds(30));

    @TempDir
    Path storage;

    @Test
    void allPeersReachTheSameStateAndSurviveLosingTheLeader() throws Exception {
        List<MetaClient> perPeer = new ArrayList<>();
        try (MetaTestCluster cluster = MetaTestCluster.builder().peers(3).storage(storage).start();
                MetaClient client = new MetaClient(cluster.clientAddresses(), OPTIONS)) {
            List<StateWatcher> watchers = new ArrayList<>();
            for (String address : cluster.clientAddresses()) {
                MetaClient single = new MetaClient(List.of(address), OPTIONS);
                perPeer.add(single);
                watchers.add(single.watch());
            }

            client.submit(registerShard("s1", 7200));
            client.submit(registerShard("s2", 7210));
            client.submit(registerShard("s3", 7220));
            client.submit(createIndex("docs", 8, 4, 2));
            MetaCommandResponse last = client.submit(setReplicaState("docs", 0,
                    client.getState(true).getIndicesOrThrow("docs").getShards(0).getReplicas(0).getNodeId(),
                    ReplicaState.STARTED, 0));

            // Every peer applies the log to the same bytes, and each peer's Watch stream delivers it.
            byte[] expected = ClusterStates.toDeterministicBytes(client.getState(true));
            assertThat(ClusterState.parseFrom(expected).getVersion()).isEqualTo(last.getVersion());
            for (StateWatcher watcher : watchers) {
                assertThat(ClusterStates.toDeterministicBytes(watcher.awaitVersion(last.getVersion(), WAIT)))
                        .isEqualTo(expected);
            }
            for (MetaServer server : cluster.running()) {
                await().atMost(WAIT).until(() -> server.currentState().getVersion() >= last.getVersion());
                assertThat(hex(server.currentState())).as(server.nodeId()).isEqualTo(HexFormat.of().formatHex(expected));
            }
            int leader = awaitSingleLeader(cluster);

            // Failover: stop the leader; the client moves on and the two survivors elect a new one.
            cluster.stop(leader);
            MetaCommandResponse after = client.submit(registerShard("s4", 7230));
            assertThat(after.getVersion()).isEqualTo(last.getVersion() + 1);
            for (int i = 0; i < 3; i++) {
                if (i == leader) {
                    continue;
                }
                MetaServer server = cluster.server(i);
                await().atMost(WAIT).until(() -> server.currentState().getVersion() >= after.getVersion());
                // The leader's allocator may commit moves (s4 is empty) after s4 registered: compare
                // with the group's current state rather than the one right after the registration.
                await().atMost(WAIT).until(() -> java.util.Arrays.equals(ClusterStates.toDeterministicBytes(server.currentState()),
                        ClusterStates.toDeterministicBytes(client.getState(true))));
                assertThat(watchers.get(i).awaitVersion(after.getVersion(), WAIT).getNodesMap()).containsKey("s4");
            }
            assertThat(awaitSingleLeader(cluster)).isNotEqualTo(leader);
        } finally {
            perPeer.forEach(MetaClient::close);
        }
    }

    /** Waits until exactly one running peer leads and all running peers name it; returns its index. */
    private static int awaitSingleLeader(MetaTestCluster cluster) {
        await().atMost(WAIT).until(() -> {
            List<MetaServer> running = cluster.running();
            Set<Optional<String>> named = running.stream().map(MetaServer::leaderId).collect(Collectors.toSet());
            return running.stream().filter(MetaServer::isLeader).count() == 1 && named.size() == 1
                    && named.iterator().next().isPresent();
        });
        for (int i = 0; i < 3; i++) {
            MetaServer s = cluster.server(i);
            if (s != null && s.isLeader()) {
                return i;
            }
        }
        throw new AssertionError("leader vanished");
    }

    private static String hex(ClusterState state) {
        return HexFormat.of().formatHex(ClusterStates.toDeterministicBytes(state));
    }
}
