package dev.quarry.meta.server;

import dev.quarry.proto.v1.ClusterState;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One {@code Watch} stream. New states are coalesced: only the newest not-yet-sent state is held
 * ({@link #pending}), so a slow observer costs one state of memory and simply skips intermediate
 * versions; it is sent when gRPC flow control says the stream is ready ({@code isReady}, and the
 * on-ready callback re-triggers the drain).
 *
 * <p>Thread-safety: {@link #offer}, {@link #signal} and {@link #terminate} may be called from any
 * thread (the Ratis apply thread, gRPC threads). Every call on the observer happens inside the
 * drain loop, which runs on the hub's executor and at most once at a time (the {@link #wip}
 * counter hands the loop to whichever thread saw it idle); {@link #lastSent} is touched only by
 * the drain loop, whose runs are ordered by the atomic {@code wip} updates.
 */
final class WatchSubscription {
    private final ServerCallStreamObserver<ClusterState> observer;
    private final Executor executor;
    private final Consumer<WatchSubscription> onDone;
    private final AtomicReference<ClusterState> pending = new AtomicReference<>();
    private final AtomicInteger wip = new AtomicInteger();
    /** Set once: the stream is finished (cancelled by the client, failed, or terminated by us). */
    private volatile boolean done;
    /** Set once by {@link #terminate}: the drain loop ends the stream with UNAVAILABLE. */
    private volatile boolean terminating;
    /** Drain loop only. */
    private long lastSent;

    WatchSubscription(long sinceVersion, ServerCallStreamObserver<ClusterState> observer, Executor executor,
            Consumer<WatchSubscription> onDone) {
        this.lastSent = sinceVersion;
        this.observer = observer;
        this.executor = executor;
        this.onDone = onDone;
    }

    /** Records a state if it is the newest seen, and schedules a send. */
    void offer(ClusterState state) {
        pending.accumulateAndGet(state, (held, offered) ->
                held == null || offered.getVersion() > held.getVersion() ? offered : held);
        signal();
    }

    boolean isDone() {
        return done;
    }

    /** The client went away: stop without touching the observer again. */
    void cancelled() {
        done = true;
        pending.set(null);
        onDone.accept(this);
    }

    /** Ends the stream with UNAVAILABLE (server shutting down) so the client reconnects elsewhere. */
    void terminate() {
        terminating = true;
        signal();
    }

    /** Runs the drain loop on the executor unless it is running already. */
    void signal() {
        if (wip.getAndIncrement() == 0) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                wip.set(0);
                done = true;
                onDone.accept(this);
            }
        }
    }

    private void drain() {
        int missed = 1;
        do {
            drainOnce();
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void drainOnce() {
        if (done) {
            return;
        }
        try {
            if (terminating) {
                done = true;
                observer.onError(Status.UNAVAILABLE.withDescription("the metadata server is shutting down; reconnect")
                        .asRuntimeException());
                onDone.accept(this);
                return;
            }
            if (observer.isCancelled()) {
                cancelled();
                return;
            }
            if (!observer.isReady()) {
                return; // the on-ready handler signals again
            }
            ClusterState state = pending.getAndSet(null);
            if (state != null && state.getVersion() > lastSent) {
                observer.onNext(state);
                lastSent = state.getVersion();
            }
        } catch (RuntimeException e) {
            // The call was cancelled or closed under us; nothing more can be sent.
            cancelled();
        }
    }
}
