package dev.quarry.coordinator.api;

import dev.quarry.coordinator.admission.AdmissionController;
import dev.quarry.coordinator.admission.CancelHook;
import dev.quarry.coordinator.admission.Decision;
import dev.quarry.coordinator.admission.Permit;
import dev.quarry.coordinator.admission.Priority;
import dev.quarry.coordinator.error.StatusMapper;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts {@code SearchService/Search} and {@code SearchService/Get} behind admission control. Reads
 * the {@code quarry-client} (absent: {@code anonymous}) and {@code quarry-priority}
 * ({@code interactive}, the default, or {@code batch}; anything else is INVALID_ARGUMENT) headers
 * when the call starts, and asks for a permit when the request is complete (half-close), waiting on
 * the call's own thread at most its budget; a refusal closes the call with RESOURCE_EXHAUSTED and the
 * {@code retry-after-ms} trailer, through {@link StatusMapper}. If the caller cancels while waiting it
 * leaves the queue at once.
 *
 * <p>The permit is released exactly once, at the first of: the call is closed (the response or error is
 * sent), the call is cancelled or completes, or the handler throws out of half-close. Writes (Index,
 * Delete) and AdminService pass untouched: the write path is bounded by its Kafka producer, and a
 * search overload must not block writes.
 * Thread-safety: one instance serves all calls; per-call state is the listener's and the call's,
 * and the permit reference is an {@link AtomicReference} because close and cancel may race.
 */
public final class AdmissionInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> CLIENT_HEADER = Metadata.Key.of("quarry-client", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> PRIORITY_HEADER = Metadata.Key.of("quarry-priority", Metadata.ASCII_STRING_MARSHALLER);

    private static final Set<String> GATED = Set.of(SearchServiceGrpc.getSearchMethod().getFullMethodName(),
            SearchServiceGrpc.getGetMethod().getFullMethodName());

    private final AdmissionController admission;

    public AdmissionInterceptor(AdmissionController admission) {
        this.admission = admission;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (!GATED.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String client;
        Priority priority;
        try {
            client = AdmissionController.clientFromHeader(headers.get(CLIENT_HEADER));
            priority = Priority.fromHeader(headers.get(PRIORITY_HEADER));
        } catch (RuntimeException e) {
            close(call, StatusMapper.toStatus(e));
            return new ServerCall.Listener<>() {};
        }
        PermitHoldingCall<ReqT, RespT> held = new PermitHoldingCall<>(call);
        return new AdmittingListener<>(next.startCall(held, headers), held, client, priority);
    }

    private static void close(ServerCall<?, ?> call, StatusRuntimeException e) {
        Metadata trailers = e.getTrailers() != null ? e.getTrailers() : new Metadata();
        call.close(e.getStatus(), trailers);
    }

    /** Holds the call's permit and gives it back when the call closes. */
    private static final class PermitHoldingCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private final AtomicReference<Permit> permit = new AtomicReference<>();

        PermitHoldingCall(ServerCall<ReqT, RespT> delegate) {
            super(delegate);
        }

        void hold(Permit p) {
            permit.set(p);
        }

        void release() {
            Permit p = permit.getAndSet(null);
            if (p != null) {
                p.close();
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            release();
            super.close(status, trailers);
        }
    }

    private final class AdmittingListener<ReqT, RespT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
        private final PermitHoldingCall<ReqT, RespT> call;
        private final String client;
        private final Priority priority;

        AdmittingListener(ServerCall.Listener<ReqT> delegate, PermitHoldingCall<ReqT, RespT> call, String client, Priority priority) {
            super(delegate);
            this.call = call;
            this.client = client;
            this.priority = priority;
        }

        @Override
        public void onHalfClose() {
            Context ctx = Context.current();
            Deadline deadline = ctx.getDeadline();
            long remaining = deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.NANOSECONDS);
            CancelHook hook = onCancel -> {
                Context.CancellationListener l = c -> onCancel.run();
                ctx.addListener(l, Runnable::run);
                return () -> ctx.removeListener(l);
            };
            switch (admission.admit(client, priority, remaining, hook)) {
                case Decision.Shed shed -> close(call, StatusMapper.toStatus(AdmissionController.refusal(shed)));
                case Decision.Admitted admitted -> {
                    call.hold(admitted.permit());
                    try {
                        super.onHalfClose();
                    } catch (RuntimeException | Error e) {
                        call.release();
                        throw e;
                    }
                }
            }
        }

        @Override
        public void onCancel() {
            call.release();
            super.onCancel();
        }

        @Override
        public void onComplete() {
            call.release();
            super.onComplete();
        }
    }
}
