package dev.quarry.meta.server;

import dev.quarry.proto.v1.ClusterState;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Fans new cluster states out to all open {@code Watch} streams. It is registered as a state
 * listener, so {@link #publish} runs on the Ratis apply thread: it only records the state in each
 * subscription and schedules the sends on the executor.
 *
 * <p>Thread-safety: the subscription set is concurrent; a subscription removes itself when its
 * stream ends (client cancel, failure, or {@link #close}), so nothing leaks per finished watch.
 * {@link #closed} is volatile: a watch opened while closing is terminated at once.
 */
final class WatchHub implements AutoCloseable {
    private final Set<WatchSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Executor executor;
    private final Supplier<ClusterState> current;
    private volatile boolean closed;

    WatchHub(Executor executor, Supplier<ClusterState> current) {
        this.executor = executor;
        this.current = current;
    }

    /** Opens a stream: the current state if newer than {@code sinceVersion}, then every newer one. */
    void subscribe(long sinceVersion, ServerCallStreamObserver<ClusterState> observer) {
        WatchSubscription subscription = new WatchSubscription(sinceVersion, observer, executor, subscriptions::remove);
        // Handlers must be set before the service method returns.
        observer.setOnCancelHandler(subscription::cancelled);
        observer.setOnReadyHandler(subscription::signal);
        subscriptions.add(subscription);
        if (subscription.isDone()) {
            subscriptions.remove(subscription); // cancelled before it was added
            return;
        }
        if (closed) {
            subscription.terminate();
            return;
        }
        subscription.offer(current.get());
    }

    /** Called with every newly applied state. */
    void publish(ClusterState state) {
        for (WatchSubscription s : subscriptions) {
            s.offer(state);
        }
    }

    /** Open streams; for tests and metrics. */
    int size() {
        return subscriptions.size();
    }

    @Override
    public void close() {
        closed = true;
        for (WatchSubscription s : subscriptions) {
            s.terminate();
        }
    }
}
