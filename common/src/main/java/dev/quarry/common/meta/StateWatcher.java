package dev.quarry.common.meta;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaServiceGrpc;
import dev.quarry.proto.v1.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the cluster state through a server-streaming {@code Watch}: keeps the newest
 * {@link ClusterState} in an {@link AtomicReference} ({@link #current()}), wakes
 * {@link #awaitVersion} callers, and calls listeners. When the stream fails or ends it reconnects
 * to the next address after a backoff (doubling from {@code backoffInitial} to {@code backoffMax},
 * with +-20% jitter so that many nodes do not reconnect in lockstep; reset once a stream delivers),
 * asking only for versions newer than the one it holds.
 *
 * <p>Listeners are called on the watcher's own thread, first with the current state (if one was
 * received), then with newer states in increasing version order. States are coalesced: a listener
 * that is slower than the updates sees the latest state, not every intermediate version. Listeners
 * must return quickly; they delay each other and reconnects.
 *
 * <p>Thread-safety: public methods may be called from any thread. {@link #latest} is atomic and only
 * ever moves to a higher version; {@link #versionMonitor} guards nothing but the wait/notify for
 * {@code awaitVersion}. Reconnect state ({@link #addressIndex}, {@link #backoffMillis},
 * {@link #generation}) and each listener's last delivered version are confined to the single
 * {@link #scheduler} thread. gRPC callbacks of one call are serialized by gRPC; callbacks of a
 * superseded call are ignored by generation.
 */
public final class StateWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateWatcher.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final List<ManagedChannel> channels;
    private final MetaClientOptions options;
    private final Consumer<StateWatcher> onClose;
    private final ScheduledExecutorService scheduler;
    private final AtomicReference<ClusterState> latest = new AtomicReference<>(ClusterState.getDefaultInstance());
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean deliveryScheduled = new AtomicBoolean();
    private final Object versionMonitor = new Object();
    private volatile boolean closed;
    private volatile ClientCallStreamObserver<WatchRequest> call;

    /** Scheduler thread only. */
    private int addressIndex;
    /** Scheduler thread only. */
    private long backoffMillis;
    /** Scheduler thread only (written); read by callbacks through their captured value. */
    private long generation;

    StateWatcher(List<ManagedChannel> channels, MetaClientOptions options, Consumer<StateWatcher> onClose) {
        this.channels = List.copyOf(channels);
        this.options = options;
        this.onClose = onClose;
        this.backoffMillis = options.backoffInitial().toMillis();
        int id = INSTANCES.incrementAndGet();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meta-state-watcher-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        scheduler.execute(this::connect);
    }

    /** The newest state received; version 0 (empty) until the first arrives. */
    public ClusterState current() {
        return latest.get();
    }

    /**
     * Waits until a state with at least {@code version} has arrived and returns it.
     *
     * @throws TimeoutException if none arrives in time
     * @throws IllegalStateException if the watcher is closed while waiting
     */
    public ClusterState awaitVersion(long version, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (versionMonitor) {
            while (true) {
                ClusterState state = latest.get();
                if (state.getVersion() >= version) {
                    return state;
                }
                if (closed) {
                    throw new IllegalStateException("the state watcher is closed");
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new TimeoutException("cluster state version " + version + " not seen within "
                            + timeout.toMillis() + " ms (have " + state.getVersion() + ")");
                }
                TimeUnit.NANOSECONDS.timedWait(versionMonitor, remaining);
            }
        }
    }

    /**
     * Registers a listener (see the class comment for ordering and coalescing); closing the
     * returned handle removes it.
     */
    public AutoCloseable addListener(Consumer<ClusterState> listener) {
        Listener l = new Listener(Objects.requireNonNull(listener, "listener"));
        listeners.add(l);
        scheduleDelivery();
        return () -> listeners.remove(l);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ClientCallStreamObserver<WatchRequest> c = call;
        if (c != null) {
            c.cancel("state watcher closed", null);
        }
        scheduler.shutdownNow();
        synchronized (versionMonitor) {
            versionMonitor.notifyAll();
        }
        onClose.accept(this);
    }

    private void connect() {
        if (closed) {
            return;
        }
        long gen = ++generation;
        WatchRequest request = WatchRequest.newBuilder().setSinceVersion(latest.get().getVersion()).build();
        MetaServiceGrpc.newStub(channels.get(addressIndex)).watch(request, new StreamObserver(gen));
        if (closed) {
            ClientCallStreamObserver<WatchRequest> c = call;
            if (c != null) {
                c.cancel("state watcher closed", null);
            }
        }
    }

    /** Scheduler thread: the stream of generation {@code gen} ended; try the next address later. */
    private void reconnect(long gen, boolean delivered, Throwable failure) {
        if (closed || gen != generation) {
            return;
        }
        if (delivered) {
            backoffMillis = options.backoffInitial().toMillis();
        }
        long delay = Math.round(backoffMillis * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
        backoffMillis = Math.min(backoffMillis * 2, options.backoffMax().toMillis());
        addressIndex = (addressIndex + 1) % channels.size();
        LOG.debug("Watch stream ended ({}); reconnecting in {} ms", failure == null ? "completed" : failure.toString(),
                delay);
        schedule(() -> scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS));
    }

    private void accept(ClusterState state) {
        ClusterState previous = latest.getAndAccumulate(state,
                (held, offered) -> offered.getVersion() > held.getVersion() ? offered : held);
        if (state.getVersion() > previous.getVersion()) {
            synchronized (versionMonitor) {
                versionMonitor.notifyAll();
            }
            scheduleDelivery();
        }
    }

    private void scheduleDelivery() {
        if (deliveryScheduled.compareAndSet(false, true)) {
            schedule(() -> scheduler.execute(this::deliver));
        }
    }

    /** Scheduler thread. */
    private void deliver() {
        deliveryScheduled.set(false);
        ClusterState state = latest.get();
        if (state.getVersion() == 0) {
            return;
        }
        for (Listener l : listeners) {
            l.deliver(state);
        }
    }

    private void schedule(Runnable submission) {
        try {
            submission.run();
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** A registered listener and the last version it was given (scheduler thread only). */
    private static final class Listener {
        private final Consumer<ClusterState> consumer;
        private long lastVersion;

        Listener(Consumer<ClusterState> consumer) {
            this.consumer = consumer;
        }

        void deliver(ClusterState state) {
            if (state.getVersion() <= lastVersion) {
                return;
            }
            lastVersion = state.getVersion();
            try {
                consumer.accept(state);
            } catch (RuntimeException e) {
                LOG.warn("Cluster state listener failed on version {}", state.getVersion(), e);
            }
        }
    }

    /** Callbacks of one Watch call (generation {@code gen}); gRPC serializes them. */
    private final class StreamObserver implements ClientResponseObserver<WatchRequest, ClusterState> {
        private final long gen;
        private boolean delivered;

        StreamObserver(long gen) {
            this.gen = gen;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            call = requestStream;
        }

        @Override
        public void onNext(ClusterState state) {
            delivered = true;
            accept(state);
        }

        @Override
        public void onError(Throwable t) {
            boolean d = delivered;
            schedule(() -> scheduler.execute(() -> reconnect(gen, d, t)));
        }

        @Override
        public void onCompleted() {
            boolean d = delivered;
            schedule(() -> scheduler.execute(() -> reconnect(gen, d, null)));
        }
    }
}
