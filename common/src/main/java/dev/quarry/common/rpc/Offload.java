package dev.quarry.common.rpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a call's blocking work on an executor (virtual threads) and its bookkeeping on the transport
 * thread, for a server built with {@code directExecutor()}. gRPC's own {@code executor(...)} hands
 * every listener event to the executor through a serializing queue, so a unary call started a thread
 * for its method look-up and message, often another for its half-close, and another for its completion
 * after the answer was written. Here only the event that runs the method (half-close; and each message
 * of a client- or bidi-streaming call) goes to the executor; the other events (ready, complete,
 * cancel) run on the transport thread, unless an offloaded event of the same call is still running,
 * in which case they wait their turn behind it. In {@code quarry dev} this took the virtual threads
 * started per search (client to coordinator, coordinator to shard node) from 5.4 to 2.1.
 *
 * <p>Must be the outermost interceptor (added last), so that inner interceptors that may block
 * (admission control) run their half-close on the executor. The call's {@link Context} (deadline,
 * cancellation) goes with each offloaded event. An exception out of an offloaded event closes the
 * call with UNKNOWN, as gRPC does, without its details.
 * Thread-safety: one instance serves all calls; per call, events run one at a time and in the order
 * the transport delivered them (the listener's queue is guarded by its monitor).
 */
public final class Offload implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(Offload.class);

    private final Executor executor;

    public Offload(Executor executor) {
        this.executor = executor;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MethodType type = call.getMethodDescriptor().getType();
        boolean messagesBlock = type == MethodType.CLIENT_STREAMING || type == MethodType.BIDI_STREAMING;
        return new SerialListener<>(next.startCall(call, headers), call, executor, messagesBlock);
    }

    /** Passes events on one at a time: the blocking ones on the executor, the rest inline when nothing is running. */
    private static final class SerialListener<Q> extends ServerCall.Listener<Q> {
        private final ServerCall.Listener<Q> delegate;
        private final ServerCall<Q, ?> call;
        private final Executor executor;
        private final boolean messagesBlock;
        /** Events waiting behind a running offloaded one. Guarded by this. */
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        /** Whether an offloaded event is running (a worker drains {@link #waiting}). Guarded by this. */
        private boolean draining;

        SerialListener(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, Executor executor, boolean messagesBlock) {
            this.delegate = delegate;
            this.call = call;
            this.executor = executor;
            this.messagesBlock = messagesBlock;
        }

        @Override
        public void onMessage(Q message) {
            event(() -> delegate.onMessage(message), messagesBlock);
        }

        @Override
        public void onHalfClose() {
            event(delegate::onHalfClose, true);
        }

        @Override
        public void onCancel() {
            event(delegate::onCancel, false);
        }

        @Override
        public void onComplete() {
            event(delegate::onComplete, false);
        }

        @Override
        public void onReady() {
            event(delegate::onReady, false);
        }

        private void event(Runnable event, boolean blocks) {
            synchronized (this) {
                if (draining) {
                    waiting.add(Context.current().wrap(event));
                    return;
                }
                if (blocks) {
                    draining = true;
                }
            }
            if (!blocks) {
                event.run(); // on the transport's thread, in the call's context already; gRPC handles what it throws
                return;
            }
            Runnable task = Context.current().wrap(event);
            try {
                executor.execute(() -> drain(task));
            } catch (RuntimeException e) { // the executor is shut down
                synchronized (this) {
                    draining = false;
                    waiting.clear();
                }
                closeQuietly(Status.UNAVAILABLE.withDescription("the server is shutting down"));
            }
        }

        private void drain(Runnable first) {
            Runnable next = first;
            while (next != null) {
                try {
                    next.run();
                } catch (Throwable t) {
                    if (Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) { // a cancelled stream's late answer is expected
                        log.warn("{} failed", call.getMethodDescriptor().getFullMethodName(), t);
                    }
                    closeQuietly(Status.UNKNOWN.withDescription("Application error processing RPC"));
                }
                synchronized (this) {
                    next = waiting.poll();
                    if (next == null) {
                        draining = false;
                    }
                }
            }
        }

        private void closeQuietly(Status status) {
            try {
                call.close(status, new Metadata());
            } catch (IllegalStateException alreadyClosed) {
                // the call was closed or cancelled meanwhile
            }
        }
    }
}
