package dev.quarry.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Offload} on a real (in-process) gRPC server built with {@code directExecutor()}. */
class OffloadTest {
    private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> UNARY = method("Unary", MethodType.UNARY);
    private static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodType.BIDI_STREAMING);

    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("offloaded-", 0).factory());
    private final AtomicInteger tasks = new AtomicInteger();
    private final List<AutoCloseable> closing = new ArrayList<>();

    private static MethodDescriptor<String, String> method(String name, MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName("test/" + name)
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        threads.shutdownNow();
    }

    /** A server whose unary method runs {@code unary} and whose bidi method answers each message with {@code bidi}'s result. */
    private ManagedChannel serve(Executor executor, BiConsumer<String, StreamObserver<String>> unary,
                                 java.util.function.UnaryOperator<String> bidi) throws IOException {
        String name = InProcessServerBuilder.generateName();
        ServerServiceDefinition service = ServerServiceDefinition.builder("test")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall(unary::accept))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext(bidi.apply(value));
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        Server server = InProcessServerBuilder.forName(name).directExecutor().addService(service).intercept(new Offload(executor)).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        closing.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private Executor counting() {
        return r -> {
            tasks.incrementAndGet();
            threads.execute(r);
        };
    }

    @Test
    void aUnaryCallRunsItsMethodOnTheExecutorAsOneTaskInTheCallsContext() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ManagedChannel channel = serve(counting(), (req, out) -> {
            Thread t = Thread.currentThread();
            seen.add(t.getName() + " deadline=" + (Context.current().getDeadline() != null));
            out.onNext(req + "!");
            out.onCompleted();
        }, s -> s);

        for (int i = 0; i < 20; i++) {
            String answer = ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "q" + i);
            assertThat(answer).isEqualTo("q" + i + "!");
        }
        assertThat(seen).hasSize(20).allSatisfy(s -> assertThat(s).startsWith("offloaded-").endsWith("deadline=true"));
        assertThat(tasks.get()).as("one thread start per call: not one per event").isEqualTo(20);
    }

    @Test
    void eventsAfterARunningMethodWaitForItButTheContextIsCancelledAtOnce() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch contextCancelled = new CountDownLatch(1);
        CountDownLatch onCancelRan = new CountDownLatch(1);
        ManagedChannel channel = serve(counting(), (req, out) -> {
            ServerCallStreamObserver<String> server = (ServerCallStreamObserver<String>) out;
            server.setOnCancelHandler(() -> {
                order.add("onCancel");
                onCancelRan.countDown();
            });
            Context.current().addListener(c -> contextCancelled.countDown(), Runnable::run);
            order.add("method started");
            running.countDown();
            try {
                assertThat(contextCancelled.await(5, TimeUnit.SECONDS)).isTrue();
                order.add("method saw the cancellation");
                Thread.sleep(50); // onCancel, already delivered by the transport, must still wait for this method
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add("method returned");
        }, s -> s);

        ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {}, new Metadata());
        call.sendMessage("q");
        call.halfClose();
        call.request(1);
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        call.cancel("client gave up", null);

        assertThat(onCancelRan.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("method started", "method saw the cancellation", "method returned", "onCancel");
    }

    @Test
    void anExceptionOutOfTheMethodClosesTheCallWithUnknownWithoutItsDetails() throws Exception {
        ManagedChannel channel = serve(counting(), (req, out) -> {
            throw new IllegalStateException("secret internals");
        }, s -> s);

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "q"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                    assertThat(String.valueOf(e.getStatus().getDescription())).doesNotContain("secret");
                });
    }

    @Test
    void aStreamingCallsMessagesRunOnTheExecutorOneAtATimeInOrder() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        AtomicReference<String> wrongThread = new AtomicReference<>();
        ManagedChannel channel = serve(counting(), (req, out) -> {}, s -> {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            if (!Thread.currentThread().getName().startsWith("offloaded-")) {
                wrongThread.set(Thread.currentThread().getName());
            }
            Thread.yield();
            concurrent.decrementAndGet();
            return s;
        });

        LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(BIDI, CallOptions.DEFAULT), new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                answers.add("error " + t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add("m" + i);
            requests.onNext("m" + i);
        }
        requests.onCompleted();

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(new ArrayList<>(answers)).containsExactlyElementsOf(sent);
        assertThat(wrongThread.get()).isNull();
        assertThat(maxConcurrent.get()).isEqualTo(1);
    }

    @Test
    void aShutDownExecutorRefusesTheCallWithUnavailable() throws Exception {
        ManagedChannel channel = serve(r -> {
            throw new RejectedExecutionException("shut down");
        }, (req, out) -> {
            out.onNext(req);
            out.onCompleted();
        }, s -> s);

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "q"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
