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
 * A real {@link ShardNode} against a real one-peer raft-meta in this JVM. Instead of SIGSTOP-ing a
 * shard-server process (too costly here), the node's heartbeater is paused past the lease (the test
 * hook {@code Heartbeater.pause}): raft-meta marks the node down; when heartbeats resume the leader
 * answers REREGISTER, the node fences itself and registers again as a new incarnation. No index is
 * placed, so no Kafka is needed.
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
