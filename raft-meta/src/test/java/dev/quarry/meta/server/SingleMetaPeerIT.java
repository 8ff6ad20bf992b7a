package dev.quarry.meta.server;

import static dev.quarry.meta.state.Commands.createIndex;
import static dev.quarry.meta.state.Commands.deleteIndex;
import static dev.quarry.meta.state.Commands.registerShard;
import static dev.quarry.meta.state.Commands.setReplicaState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.MetaClientOptions;
import dev.quarry.common.meta.StateWatcher;
import dev.quarry.meta.error.MetaException;
import dev.quarry.meta.error.MetaStatusMapper;
import dev.quarry.meta.error.MetaException.Kind;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.MetaServiceGrpc;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.proto.v1.WatchRequest;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real Ratis peer plus its gRPC facade, driven over real gRPC through {@link MetaClient}. */
class SingleMetaPeerIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final MetaClientOptions OPTIONS = MetaClientOptions.DEFAULTS.withCallTimeout(Duration.ofSeconds(20));

    @TempDir
    Path storage;

    @Test
    void submitWatchRejectRestartAndRecoverTheIdenticalState() throws Exception {
        try (MetaTestCluster cluster = MetaTestCluster.builder().peers(1).storage(storage).snapshotOnStop(false).start();
                MetaClient client = new MetaClient(cluster.clientAddresses(), OPTIONS);
                StateWatcher watcher = client.watch()) {
            List<Long> seen = new CopyOnWriteArrayList<>();
            watcher.addListener(s -> seen.add(s.getVersion()));

            MetaCommandResponse s1 = client.submit(registerShard("s1", 7200));
            assertThat(s1.getIncarnation()).isEqualTo(1);
            client.submit(registerShard("s2", 7210));
            MetaCommandResponse created = client.submit(createIndex("docs", 16, 4, 2));

            ClusterState state = watcher.awaitVersion(created.getVersion(), WAIT);
            assertThat(state.getIndicesOrThrow("docs").getShardsList()).hasSize(4).allSatisfy(shard ->
                    assertThat(shard.getReplicasList()).extracting(ReplicaInfo::getNodeId)
                            .containsExactlyInAnyOrder("s1", "s2"));
            assertThat(state.getIndicesOrThrow("docs").getShards(1).getPartitionsList()).containsExactly(4, 5, 6, 7);

            // Refusals: the right status code, a readable message, and nothing reaches the log.
            assertRefused(client, createIndex("docs", 4, 2, 1), Kind.ALREADY_EXISTS, "already exists");
            assertRefused(client, createIndex("Bad Name", 4, 2, 1), Kind.INVALID_ARGUMENT, "invalid index name");
            assertRefused(client, createIndex("x", 4, 8, 1), Kind.INVALID_ARGUMENT, "shards");
            assertRefused(client, deleteIndex("nope"), Kind.NOT_FOUND, "does not exist");
            assertRefused(client, setReplicaState("docs", 0, "s1", ReplicaState.STARTED, 99), Kind.FAILED_PRECONDITION,
                    "stale incarnation");
            assertThat(client.getState(true).getVersion()).isEqualTo(created.getVersion());
            assertRawStatus(cluster.clientAddresses().getFirst());

            MetaCommandResponse started = client.submit(setReplicaState("docs", 0, "s1", ReplicaState.STARTED, 1));
            assertThat(started.getVersion()).isEqualTo(created.getVersion() + 1);
            assertThat(watcher.awaitVersion(started.getVersion(), WAIT).getIndicesOrThrow("docs").getShards(0)
                    .getReplicasList()).extracting(ReplicaInfo::getState).contains(ReplicaState.STARTED);
            await().atMost(WAIT).until(() -> seen.contains(started.getVersion()));
            assertThat(seen).isSorted().doesNotHaveDuplicates();

            ClusterState linearizable = client.getState(true);
            assertThat(ClusterStates.toDeterministicBytes(client.getState(false)))
                    .isEqualTo(ClusterStates.toDeterministicBytes(linearizable));
            byte[] before = ClusterStates.toDeterministicBytes(linearizable);

            // Restart 1: no snapshot on stop, so the state comes back by replaying the Raft log.
            cluster.restart(0);
            assertThat(ClusterStates.toDeterministicBytes(awaitLocalVersion(cluster.server(0), started.getVersion())))
                    .isEqualTo(before);
            assertThat(snapshotFiles()).isEmpty();

            // The watcher reconnects to the restarted peer by itself and follows new writes.
            MetaCommandResponse afterRestart = client.submit(createIndex("logs", 2, 2, 1));
            assertThat(watcher.awaitVersion(afterRestart.getVersion(), WAIT).getIndicesMap()).containsKey("logs");

            // Restart 2: from a checksummed snapshot plus the log entries after it.
            long snapshotIndex = cluster.server(0).peer().takeSnapshot(WAIT);
            assertThat(snapshotIndex).isPositive();
            assertThat(snapshotFiles()).isNotEmpty();
            MetaCommandResponse last = client.submit(deleteIndex("logs"));
            byte[] beforeSecond = ClusterStates.toDeterministicBytes(client.getState(true));
            cluster.restart(0);
            assertThat(ClusterStates.toDeterministicBytes(awaitLocalVersion(cluster.server(0), last.getVersion())))
                    .isEqualTo(beforeSecond);
            assertThat(ClusterStates.toDeterministicBytes(client.getState(true))).isEqualTo(beforeSecond);
        }
    }

    @Test
    void cancelledAndClosedWatchesDoNotLeak() throws Exception {
        try (MetaTestCluster cluster = MetaTestCluster.builder().peers(1).storage(storage).start();
                MetaClient client = new MetaClient(cluster.clientAddresses(), OPTIONS)) {
            MetaServer server = cluster.server(0);
            MetaCommandResponse r = client.submit(registerShard("s1", 7200));

            StateWatcher watcher = client.watch();
            watcher.awaitVersion(r.getVersion(), WAIT);
            assertThat(server.watcherCount()).isEqualTo(1);

            // A raw stream that asks for nothing new, then goes away.
            ManagedChannel channel = Grpc.newChannelBuilder(server.clientAddress(), InsecureChannelCredentials.create())
                    .build();
            Context.CancellableContext context = Context.current().withCancellation();
            List<ClusterState> received = new CopyOnWriteArrayList<>();
            context.run(() -> MetaServiceGrpc.newStub(channel).watch(
                    WatchRequest.newBuilder().setSinceVersion(0).build(), collector(received)));
            await().atMost(WAIT).until(() -> received.size() == 1);
            assertThat(received.getFirst().getVersion()).isEqualTo(r.getVersion());
            await().atMost(WAIT).until(() -> server.watcherCount() == 2);

            context.cancel(null);
            watcher.close();
            await().atMost(WAIT).until(() -> server.watcherCount() == 0);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

            // The server keeps serving after its watchers left.
            assertThat(client.submit(registerShard("s2", 7210)).getVersion()).isEqualTo(r.getVersion() + 1);
        }
    }

    @Test
    void aFailedStartLeavesNoThreadsAndNoBoundPorts() throws Exception {
        Set<String> threadsBefore = liveNonDaemonThreads();
        MetaTestCluster cluster = MetaTestCluster.builder().peers(1).storage(storage).configure();
        MetaServerConfig config = cluster.config(0);
        try (ServerSocket squatter = new ServerSocket(config.clientPort(), 1, InetAddress.getByName(config.bindHost()))) {
            assertThat(squatter.isBound()).isTrue();
            assertThatThrownBy(() -> MetaServer.start(config)).isInstanceOf(IOException.class);
        }
        // The Ratis port was released: a peer can start on it (and the freed client port) at once.
        try (MetaServer server = MetaServer.start(config)) {
            assertThat(server.clientPort()).isEqualTo(config.clientPort());
        }
        await().pollInSameThread().atMost(WAIT)
                .untilAsserted(() -> assertThat(liveNonDaemonThreads()).isSubsetOf(threadsBefore));
    }

    private static void assertRefused(MetaClient client, MetaCommand command, Kind kind, String messagePart) {
        assertThatThrownBy(() -> client.submit(command)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(MetaStatusMapper.fromStatus(e).kind()).isEqualTo(kind);
            assertThat(e.getStatus().getDescription()).contains(messagePart).doesNotContain("Exception").doesNotContain("at dev.");
        });
    }

    /** What a non-Java client sees: a plain status code and a clean description. */
    private static void assertRawStatus(String address) throws InterruptedException {
        ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
        try {
            assertThatThrownBy(() -> MetaServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .submit(createIndex("docs", 4, 2, 1)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("index 'docs' already exists; delete it first or pick another name");
                        assertThat(e.getTrailers().keys()).noneMatch(k -> k.contains("stack") || k.contains("bin"));
                    });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ClusterState awaitLocalVersion(MetaServer server, long version) {
        await().atMost(WAIT).until(() -> server.currentState().getVersion() >= version);
        return server.currentState();
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
        }
    }

    private static Set<String> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .map(t -> t.getName() + "#" + t.threadId())
                .collect(Collectors.toSet());
    }

    private static StreamObserver<ClusterState> collector(List<ClusterState> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ClusterState value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }
}
