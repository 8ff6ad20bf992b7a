package dev.quarry.common.meta;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.GetStateRequest;
import dev.quarry.proto.v1.HeartbeatRequest;
import dev.quarry.proto.v1.HeartbeatResponse;
import dev.quarry.proto.v1.MetaStatusRequest;
import dev.quarry.proto.v1.MetaStatusResponse;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.MetaServiceGrpc;
import dev.quarry.proto.v1.MetaServiceGrpc.MetaServiceBlockingStub;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The client of the metadata service for shard servers, coordinator, suggest and the CLI: they
 * never see Ratis. Constructed with the client addresses ({@code host:port}) of one or more
 * raft-meta peers; any peer answers, and writes reach the leader through it.
 *
 * <p>Calls have a total deadline ({@link MetaClientOptions#callTimeout}). On {@code UNAVAILABLE}
 * (peer down, no leader yet, or — for heartbeats — a peer that is not the leader), and when one
 * peer does not answer within {@link MetaClientOptions#attemptTimeout} (a frozen or partitioned
 * process), a call moves on to the next address and, after trying them all,
 * backs off and tries again until the deadline. Every other failure is thrown at once as the
 * {@link StatusRuntimeException} raft-meta answered with (its code says what went wrong, its
 * description is meant for users), so each service's own error mapper can pass it on. Note that a
 * {@code submit} retried after an ambiguous failure may apply twice: commands are not idempotent
 * (a repeated {@code CreateIndex} then fails with {@code ALREADY_EXISTS}, a repeated
 * {@code RegisterNode} yields a higher incarnation — use the returned one).
 *
 * <p>Thread-safety: safe for concurrent use. Channels are created once and are thread-safe;
 * {@link #preferred} (the address that answered last) is atomic; watchers are kept in a
 * concurrent set and closed with the client.
 */
public final class MetaClient implements AutoCloseable {
    private final List<String> addresses;
    private final List<ManagedChannel> channels;
    private final MetaClientOptions options;
    private final AtomicInteger preferred = new AtomicInteger();
    private final Set<StateWatcher> watchers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    public MetaClient(List<String> addresses, MetaClientOptions options) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one raft-meta address (host:port) is needed");
        }
        this.addresses = List.copyOf(addresses);
        this.options = options;
        this.channels = this.addresses.stream()
                .map(a -> Grpc.newChannelBuilder(a, InsecureChannelCredentials.create()).build())
                .toList();
    }

    public MetaClient(List<String> addresses) {
        this(addresses, MetaClientOptions.DEFAULTS);
    }

    /** {@code host:port[,host:port...]}, e.g. {@code 127.0.0.1:7100,127.0.0.1:7110,127.0.0.1:7120}. */
    public static MetaClient connect(String addresses) {
        return new MetaClient(Arrays.stream(addresses.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList());
    }

    public List<String> addresses() {
        return addresses;
    }

    /** The state as held by whichever peer answers (cheap; may trail the leader slightly). */
    public ClusterState getState() {
        return getState(false);
    }

    /** With {@code linearizable}, the state reflects every write committed before the call. */
    public ClusterState getState(boolean linearizable) {
        GetStateRequest request = GetStateRequest.newBuilder().setLinearizable(linearizable).build();
        return call(stub -> stub.getState(request));
    }

    /** Replicates a command; returns once it is committed and applied. */
    public MetaCommandResponse submit(MetaCommand command) {
        return call(stub -> stub.submit(command));
    }

    /**
     * As {@link #submit(MetaCommand)}, retrying for up to {@code timeout} instead of the configured call timeout: a
     * node registering at start-up waits this long for raft-meta (started with it, or electing a new leader).
     */
    public MetaCommandResponse submit(MetaCommand command, Duration timeout) {
        return call(stub -> stub.submit(command), timeout);
    }

    /**
     * Renews this node's lease on the leader. Non-leaders answer UNAVAILABLE, so the call moves on
     * through the peers until the leader answers or {@code timeout} passes (then UNAVAILABLE or
     * DEADLINE_EXCEEDED). The peer that answered is preferred by the next call.
     */
    public HeartbeatResponse heartbeat(HeartbeatRequest request, Duration timeout) {
        return call(stub -> stub.heartbeat(request), timeout);
    }

    /** The Raft view (leader, term, peers) of whichever peer answers. */
    public MetaStatusResponse metaStatus() {
        return call(stub -> stub.metaStatus(MetaStatusRequest.getDefaultInstance()));
    }

    /**
     * Starts a watcher that follows the state from now on; close it (or this client) when done.
     */
    public StateWatcher watch() {
        checkOpen();
        StateWatcher watcher = new StateWatcher(channels, options, watchers::remove);
        watchers.add(watcher);
        watcher.start();
        return watcher;
    }

    private <T> T call(Function<MetaServiceBlockingStub, T> rpc) {
        return call(rpc, options.callTimeout());
    }

    private <T> T call(Function<MetaServiceBlockingStub, T> rpc, Duration timeout) {
        checkOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = options.backoffInitial().toMillis();
        int start = preferred.get();
        StatusRuntimeException last = null;
        for (int attempt = 0; ; attempt++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            int i = Math.floorMod(start + attempt, channels.size());
            long attemptNanos = Math.min(remaining, options.attemptTimeout().toNanos());
            boolean lastChance = attemptNanos == remaining;
            try {
                T result = rpc.apply(MetaServiceGrpc.newBlockingStub(channels.get(i))
                        .withDeadlineAfter(attemptNanos, TimeUnit.NANOSECONDS));
                preferred.set(i);
                return result;
            } catch (StatusRuntimeException e) {
                boolean attemptTimedOut = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && !lastChance;
                if (!retryable(e.getStatus().getCode()) && !attemptTimedOut) {
                    throw e;
                }
                last = e;
            }
            if ((attempt + 1) % channels.size() == 0) {
                long sleep = Math.min(backoff, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if (sleep > 0) {
                    sleep(sleep);
                }
                backoff = Math.min(backoff * 2, options.backoffMax().toMillis());
            }
        }
        if (last != null) {
            throw Status.UNAVAILABLE.withDescription("no raft-meta peer of " + addresses + " could serve the call within "
                    + timeout.toMillis() + " ms: " + last.getStatus().getDescription()).asRuntimeException();
        }
        throw Status.DEADLINE_EXCEEDED.withDescription(
                "no raft-meta peer of " + addresses + " answered within " + timeout.toMillis() + " ms").asRuntimeException();
    }

    /**
     * UNAVAILABLE: peer down, no leader, not the leader (heartbeats). UNKNOWN: raft-meta never
     * sends it (its mapper answers INTERNAL), so it can only come from the transport, e.g. the
     * connection to a peer that was killed mid-call ("channel closed") — another peer may serve.
     */
    private static boolean retryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.UNKNOWN;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.UNAVAILABLE.withDescription("interrupted while waiting to retry").withCause(e).asRuntimeException();
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("MetaClient is closed");
        }
    }

    /** Closes the watchers, then the channels. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (StateWatcher w : watchers) {
            w.close();
        }
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
