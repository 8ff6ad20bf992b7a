package dev.quarry.meta.ratis;

import dev.quarry.meta.error.MetaException;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Ratis peer (gRPC transport) with its {@link MetaStateMachine}, plus a
 * {@link RaftClient} to the group through which this peer's facade submits writes and
 * linearizable reads (Ratis finds and follows the leader).
 *
 * <p>Lifecycle: {@link #start} formats the storage on first start and recovers it
 * ({@link RaftStorage.StartupOption#RECOVER}) when the group directory exists. If any step of the
 * start fails, everything built so far is closed before the exception propagates, so a failed
 * start leaves no threads behind. {@link #close} is idempotent and closes client then server.
 *
 * <p>Thread-safety: all methods may be called from any thread; the fields are final and refer to
 * thread-safe objects (Ratis server and client, the request pool), and {@link #closed} is atomic.
 */
public final class MetaPeer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(MetaPeer.class);
    /** Pause between Ratis client retries while there is no leader (elections take 0.3-5 s). */
    private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
    /** Concurrent writes/linearizable reads per peer; metadata writes are rare admin-rate events. */
    private static final int MAX_IN_FLIGHT = 32;
    /** Lower bound of {@link #clientRpcTimeout}: a commit under load can take a few hundred ms. */
    private static final Duration MIN_CLIENT_RPC_TIMEOUT = Duration.ofSeconds(1);

    private final PeerConfig config;
    private final RaftGroup group;
    private final RaftServer server;
    private final RaftClient client;
    private final MetaStateMachine stateMachine;
    /** Threads blocked in Ratis client calls; bounded so a stuck quorum cannot pile up threads. */
    private final ExecutorService requestPool;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetaPeer(PeerConfig config, RaftGroup group, RaftServer server, RaftClient client,
            MetaStateMachine stateMachine) {
        this.config = config;
        this.group = group;
        this.server = server;
        this.client = client;
        this.stateMachine = stateMachine;
        AtomicInteger threads = new AtomicInteger();
        this.requestPool = new ThreadPoolExecutor(0, MAX_IN_FLIGHT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "meta-request-" + config.nodeId() + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Starts the peer; on failure nothing keeps running. */
    public static MetaPeer start(PeerConfig config) throws IOException {
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(config.groupId()),
                config.peers().stream().map(MetaPeer::toRaftPeer).toList());
        boolean exists = Files.isDirectory(config.storageDir().resolve(config.groupId().toString()));
        RaftStorage.StartupOption option =
                exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT;
        MetaStateMachine stateMachine = new MetaStateMachine();
        RaftServer server = null;
        RaftClient client = null;
        try {
            Files.createDirectories(config.storageDir());
            server = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(config.nodeId()))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(serverProperties(config))
                    .setOption(option)
                    .build();
            server.start();
            client = RaftClient.newBuilder()
                    .setProperties(clientProperties(config))
                    .setRaftGroup(group)
                    .setRetryPolicy(retryPolicy(config.requestTimeout()))
                    .build();
            LOG.info("Meta peer {} started ({} storage {}, group {})", config.nodeId(), option, config.storageDir(),
                    config.peers());
            return new MetaPeer(config, group, server, client, stateMachine);
        } catch (IOException | RuntimeException e) {
            closeQuietly(client, e);
            closeQuietly(server, e);
            throw e;
        }
    }

    public String nodeId() {
        return config.nodeId();
    }

    public PeerAddress self() {
        return config.self();
    }

    /** The latest state applied on this peer (may trail the leader by a few entries). */
    public ClusterState current() {
        return stateMachine.current();
    }

    public AutoCloseable addListener(Consumer<ClusterState> listener) {
        return stateMachine.addListener(listener);
    }

    /**
     * Replicates a command; completes with its response once committed and applied, or
     * exceptionally with a {@code MetaException} (refused) or a Ratis / timeout failure.
     */
    public CompletableFuture<MetaCommandResponse> submit(MetaCommand command, Duration timeout) {
        Message message = Message.valueOf(ByteString.copyFrom(command.toByteArray()));
        return call(() -> ApplyReply.decode(successful(client.io().send(message)).getMessage().getContent()), timeout);
    }

    /** A linearizable read through the leader's read-index. */
    public CompletableFuture<ClusterState> readLinearizable(Duration timeout) {
        return call(() -> {
            RaftClientReply reply = successful(client.io().sendReadOnly(MetaStateMachine.GET_STATE));
            return ClusterState.parseFrom(reply.getMessage().getContent().toByteArray());
        }, timeout);
    }

    /**
     * Runs a blocking Ratis client call on the request pool. The blocking API is used, not the
     * async one, because Ratis' ordered async client logs every refused command at ERROR with a
     * stack trace; the Ratis retry policy bounds the call to the request timeout either way.
     */
    private <T> CompletableFuture<T> call(RatisCall<T> body, Duration timeout) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            requestPool.execute(() -> {
                try {
                    result.complete(body.run());
                } catch (Exception e) {
                    result.completeExceptionally(refusalOr(e));
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(MetaException.unavailable(
                    "too many metadata requests in flight on peer " + config.nodeId() + "; retry shortly", e));
        }
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @FunctionalInterface
    private interface RatisCall<T> {
        T run() throws Exception;
    }

    /** The current leader's id as this peer sees it, if one is known. */
    public Optional<String> leaderId() {
        try {
            RaftPeerId leader = server.getDivision(group.getGroupId()).getInfo().getLeaderId();
            return Optional.ofNullable(leader).map(RaftPeerId::toString);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean isLeader() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Leader and ready: it has applied the first entry of its term, so {@link #current} holds every
     * entry committed before it took over (decisions taken from it are not based on a stale view).
     */
    public boolean isLeaderReady() {
        try {
            var info = server.getDivision(group.getGroupId()).getInfo();
            return info.isLeader() && info.isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /** The current Raft term as this peer sees it (0 if unknown). */
    public long term() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The group members as configured. */
    public List<PeerAddress> peers() {
        return config.peers();
    }

    /** Asks this peer to take a snapshot now; returns the log index it covers. */
    public long takeSnapshot(Duration timeout) throws IOException {
        RaftClientReply reply = client.getSnapshotManagementApi(RaftPeerId.valueOf(config.nodeId()))
                .create(1, timeout.toMillis()); // gap 1: snapshot whenever anything was applied since the last
        return successful(reply).getLogIndex();
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IOException failure = null;
        requestPool.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            failure = e;
        }
        try {
            server.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        LOG.info("Meta peer {} stopped", config.nodeId());
        if (failure != null) {
            throw failure;
        }
    }

    private static RaftClientReply successful(RaftClientReply reply) throws IOException {
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException() : new IOException("request failed: " + reply);
        }
        return reply;
    }

    /** A refusal from the leader as a {@code MetaException}, or the failure as it is. */
    private static Throwable refusalOr(Throwable failure) {
        return RejectionTransport.unwrap(failure).<Throwable>map(e -> e).orElse(failure);
    }

    /** Retry (no leader yet, leader changed) every 100 ms, but give up after the request timeout. */
    private static RetryPolicy retryPolicy(Duration requestTimeout) {
        TimeDuration limit = TimeDuration.valueOf(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        RetryPolicy retry = RetryPolicies.retryForeverWithSleep(RETRY_SLEEP);
        return RequestTypeDependentRetryPolicy.newBuilder()
                .setRetryPolicy(RaftClientRequestProto.TypeCase.WRITE, retry)
                .setTimeout(RaftClientRequestProto.TypeCase.WRITE, limit)
                .setRetryPolicy(RaftClientRequestProto.TypeCase.READ, retry)
                .setTimeout(RaftClientRequestProto.TypeCase.READ, limit)
                .build();
    }

    private static RaftPeer toRaftPeer(PeerAddress p) {
        return RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build();
    }

    private static RaftProperties serverProperties(PeerConfig config) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, config.self().host());
        GrpcConfigKeys.Server.setPort(p, config.self().port());
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        long election = config.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, config.snapshotOnStop());
        return p;
    }

    /**
     * The Ratis client gives up on one RPC after {@link #clientRpcTimeout} and retries (the same
     * call id, so the leader's retry cache answers a repeat instead of applying it again).
     */
    private static RaftProperties clientProperties(PeerConfig config) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p,
                TimeDuration.valueOf(clientRpcTimeout(config.electionTimeout()).toMillis(), TimeUnit.MILLISECONDS));
        return p;
    }

    /**
     * How long this peer's Ratis client waits for one RPC: the maximum election timeout (2x the
     * minimum), at least 1 s. A leader that stopped answering without closing its connections — a
     * frozen process, a partition — has been replaced by then, so the retry finds the new one.
     * Ratis' default (3 s) equals {@code MetaClient}'s per-attempt timeout, so a client gave up on a
     * healthy peer just as that peer's Ratis client was about to move on from the lost leader, and
     * a failover cost up to three attempt timeouts (9 s measured after SIGSTOP of the leader).
     */
    static Duration clientRpcTimeout(Duration electionTimeout) {
        Duration electionMax = electionTimeout.multipliedBy(2);
        return electionMax.compareTo(MIN_CLIENT_RPC_TIMEOUT) > 0 ? electionMax : MIN_CLIENT_RPC_TIMEOUT;
    }

    private static void closeQuietly(Closeable c, Exception primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
