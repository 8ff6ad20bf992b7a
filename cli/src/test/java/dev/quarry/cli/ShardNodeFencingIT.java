package dev.quarry.cli;

import dev.quarry.shard.node.ShardNode;
import dev.quarry.shard.node.ShardNodeConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.meta.server.MetaServer;
import dev.quarry.meta.server.MetaServerConfig;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.NodeInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard server against a real one-peer raft-meta in this JVM, paused past its lease two ways: in
 * this JVM by the test hook {@code Heartbeater.pause}, and as a {@code quarry shard} process by
 * SIGSTOP/SIGCONT. raft-meta marks the node down; when heartbeats resume the leader answers
 * REREGISTER, the node fences itself and registers again as a new incarnation. No index is placed,
 * so no Kafka is needed.
 */
class ShardNodeFencingIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aNodePausedPastItsLeaseComesBackAsANewIncarnation() throws Exception {
        try (MetaServer meta = startMeta();
                MetaClient client = MetaClient.connect(meta.clientAddress());
                ShardNode node = ShardNode.start(ShardNodeConfig.of("s1", "127.0.0.1", 0, dir.resolve("s1"),
                        "127.0.0.1:1", meta.clientAddress()), new SimpleMeterRegistry())) {
            assertThat(node(client).getIncarnation()).isEqualTo(1);
            assertThat(node(client).getAlive()).isTrue();

            node.heartbeater().pause();
            await().atMost(WAIT).until(() -> !node(client).getAlive());
            assertThat(node(client).getIncarnation()).as("down, still the old incarnation").isEqualTo(1);

            node.heartbeater().resume();
            await().atMost(WAIT).until(() -> node(client).getAlive() && node(client).getIncarnation() == 2);
            await().atMost(WAIT).until(() -> node.heartbeater().incarnation() == 2 && !node.fenced());
        }
    }

    /**
     * The same with a real process and a real pause: a {@code quarry shard} JVM is stopped with
     * SIGSTOP past its lease and continued with SIGCONT. raft-meta must have marked it down under
     * its old incarnation, and once it runs again it must come back as incarnation 2 (its next
     * heartbeat is answered REREGISTER: it fences itself and registers again) — never alive again
     * under incarnation 1.
     */
    @Test
    void aShardServerProcessStoppedPastItsLeaseComesBackAsANewIncarnation() throws Exception {
        try (MetaServer meta = startMeta(); MetaClient client = MetaClient.connect(meta.clientAddress())) {
            java.nio.file.Path log = dir.resolve("s1.log");
            Process shard = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-Xmx256m",
                    "-cp", dev.quarry.cli.cluster.RoleProcesses.classPath(), "dev.quarry.cli.Quarry", "shard", "--id", "s1",
                    "--port", Integer.toString(freePort()), "--metrics-port", "0", "--dir", dir.resolve("s1").toString(),
                    "--kafka", "127.0.0.1:1", "--meta", meta.clientAddress())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> client.getState(true).getNodesMap().containsKey("s1")
                        && node(client).getAlive());
                assertThat(node(client).getIncarnation()).isEqualTo(1);

                signal("STOP", shard.pid());
                java.util.List<Boolean> aliveUnderOldIncarnation = new java.util.concurrent.CopyOnWriteArrayList<>();
                await().atMost(WAIT).until(() -> !node(client).getAlive());
                assertThat(node(client).getIncarnation()).as("down, still the old incarnation").isEqualTo(1);
                java.util.concurrent.TimeUnit.SECONDS.sleep(2); // stays stopped a while longer: the fault being tested
                assertThat(shard.isAlive()).isTrue();

                signal("CONT", shard.pid());
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
                    NodeInfo n = node(client);
                    aliveUnderOldIncarnation.add(n.getAlive() && n.getIncarnation() == 1);
                    return n.getAlive() && n.getIncarnation() == 2;
                });
                assertThat(aliveUnderOldIncarnation).as("never alive again under the fenced incarnation").doesNotContain(true);
                await().atMost(WAIT).untilAsserted(() -> assertThat(java.nio.file.Files.readString(log))
                        .contains("incarnation 1 is fenced"));
            } finally {
                shard.destroyForcibly().waitFor();
            }
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }

    private static NodeInfo node(MetaClient client) {
        ClusterState state = client.getState(true);
        return state.getNodesOrThrow("s1");
    }

    /**
     * A port found free can be taken by someone else's outgoing connection before the server binds
     * it (both come from the ephemeral range): try fresh ports a few times.
     */
    private MetaServer startMeta() throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return MetaServer.start(MetaServerConfig.builder().nodeId("n1").clientPort(freePort())
                        .peers("n1=127.0.0.1:" + freePort()).storageDir(dir.resolve("meta-" + attempt)).lease(Duration.ofMillis(2_500))
                        .dutyInterval(Duration.ofMillis(100)).build());
            } catch (java.io.IOException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("bind")) {
                    throw e;
                }
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
