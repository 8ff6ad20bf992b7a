package dev.quarry.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quarry.coordinator.admission.AdmissionConfig;
import dev.quarry.coordinator.admission.AdmissionController;
import dev.quarry.coordinator.admission.RateLimit;
import dev.quarry.coordinator.error.StatusMapper;
import dev.quarry.proto.v1.IndexRequest;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.proto.v1.WriteResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gRPC face of admission, in-process: headers, refusals with their trailer, and that every exit path frees the slot. */
class AdmissionInterceptorTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore started = new Semaphore(0);
    private final CountDownLatch finish = new CountDownLatch(1);
    private final AtomicInteger finished = new AtomicInteger();
    private Server server;
    private ManagedChannel channel;

    /** Search answers at once, or holds on "block" until {@link #finish}, or fails on "throw". */
    private final class FakeSearch extends SearchServiceGrpc.SearchServiceImplBase {
        @Override
        public void search(SearchRequest req, StreamObserver<SearchResponse> out) {
            Unary.respond(out, () -> {
                switch (req.getQuery()) {
                    case "block" -> {
                        started.release();
                        try {
                            finish.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    case "throw" -> throw new IllegalStateException("boom");
                    default -> { }
                }
                finished.incrementAndGet();
                return SearchResponse.newBuilder().setTotalHits(1).build();
            });
        }

        @Override
        public void index(IndexRequest req, StreamObserver<WriteResponse> out) {
            Unary.respond(out, WriteResponse::getDefaultInstance);
        }
    }

    private SearchServiceGrpc.SearchServiceBlockingStub start(AdmissionConfig config) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).executor(executor)
                .addService(ServerInterceptors.intercept(new FakeSearch(), new AdmissionInterceptor(new AdmissionController(config, registry))))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).executor(executor).build();
        return SearchServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        finish.countDown();
        if (channel != null) channel.shutdownNow();
        if (server != null) server.shutdownNow();
        executor.shutdownNow();
    }

    private static SearchRequest query(String q) {
        return SearchRequest.newBuilder().setIndex("i").setQuery(q).build();
    }

    private static SearchServiceGrpc.SearchServiceBlockingStub with(SearchServiceGrpc.SearchServiceBlockingStub stub, String client, String priority) {
        Metadata h = new Metadata();
        if (client != null) h.put(AdmissionInterceptor.CLIENT_HEADER, client);
        if (priority != null) h.put(AdmissionInterceptor.PRIORITY_HEADER, priority);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double shed(String reason, String priority) {
        return registry.get("quarry.coordinator.admission.shed").tag("reason", reason).tag("priority", priority).counter().count();
    }

    @Test
    void badHeadersAreInvalidArgument() throws Exception {
        var stub = start(AdmissionConfig.builder().maxConcurrent(1).build());
        assertThatThrownBy(() -> with(stub, null, "urgent").search(query("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("quarry-priority", "'urgent'");
                });
        assertThatThrownBy(() -> with(stub, "c".repeat(200), null).search(query("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(with(stub, "someone", "BATCH").search(query("x")).getTotalHits()).isEqualTo(1);
        assertThat(registry.get("quarry.coordinator.admission.admitted").tag("priority", "batch").counter().count()).isEqualTo(1);
    }

    @Test
    void overloadIsRefusedAtOnceWithARetryHintAndTheQueuedOneRunsLater() throws Exception {
        var stub = start(AdmissionConfig.builder().maxConcurrent(1).maxQueue(1).maxBatchQueue(1).maxQueueWait(Duration.ofSeconds(10)).build());
        var async = SearchServiceGrpc.newFutureStub(channel);
        var holding = async.search(query("block"));
        assertThat(started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        var queued = async.search(query("x"));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.queue.depth") == 1);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> with(stub, null, "batch").search(query("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("queue_full", "retry in about");
                    String retry = e.getTrailers().get(StatusMapper.RETRY_AFTER_MS);
                    assertThat(retry).isNotNull();
                    assertThat(Long.parseLong(retry)).isPositive();
                });
        assertThat(System.nanoTime() - t0).as("refused without waiting its 10 s budget").isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(shed("queue_full", "batch")).isEqualTo(1);
        assertThat(gauge("quarry.coordinator.admission.inflight")).isEqualTo(1);
        finish.countDown();
        assertThat(holding.get(5, TimeUnit.SECONDS).getTotalHits()).isEqualTo(1);
        assertThat(queued.get(5, TimeUnit.SECONDS).getTotalHits()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.inflight") == 0);
    }

    @Test
    void aCallerThatCancelsWhileQueuedLeavesTheQueue() throws Exception {
        start(AdmissionConfig.builder().maxConcurrent(1).maxQueue(4).maxQueueWait(Duration.ofSeconds(30)).build());
        var async = SearchServiceGrpc.newFutureStub(channel);
        var holding = async.search(query("block"));
        assertThat(started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        Context.CancellableContext ctx = Context.current().withCancellation();
        Future<SearchResponse> queued = ctx.call(() -> async.search(query("x")));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.queue.depth") == 1);
        ctx.cancel(null);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.queue.depth") == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> shed("cancelled", "interactive") == 1);
        assertThat(queued.isDone()).isTrue();
        finish.countDown();
        holding.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.inflight") == 0);
        assertThat(finished.get()).as("the cancelled request never ran").isEqualTo(1);
    }

    @Test
    void theSlotComesBackWhenTheHandlerFailsOrTheCallerCancelsWhileItRuns() throws Exception {
        var stub = start(AdmissionConfig.builder().maxConcurrent(1).maxQueue(0).build());
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> stub.search(query("throw")))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
        }
        assertThat(gauge("quarry.coordinator.admission.inflight")).isZero();

        Context.CancellableContext ctx = Context.current().withCancellation();
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> ctx.run(() -> {
            try {
                stub.search(query("block"));
            } catch (StatusRuntimeException expected) {
                // cancelled
            }
        }), executor);
        assertThat(started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        ctx.cancel(null);
        running.get(5, TimeUnit.SECONDS);
        // The handler still runs (its context is cancelled, it does not look): the slot stays taken until it ends.
        assertThat(gauge("quarry.coordinator.admission.inflight")).isEqualTo(1);
        finish.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("quarry.coordinator.admission.inflight") == 0);
        assertThat(stub.search(query("x")).getTotalHits()).isEqualTo(1);
    }

    @Test
    void aClientOverItsRateIsRefusedAndOthersAreNot() throws Exception {
        var stub = start(AdmissionConfig.builder().clientRate("crawler", new RateLimit(1, 2)).build());
        var crawler = with(stub, "crawler", "batch");
        crawler.search(query("x"));
        crawler.search(query("x"));
        assertThatThrownBy(() -> crawler.search(query("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("rate_limited", "'crawler'", "1 requests/s");
                    assertThat(Long.parseLong(e.getTrailers().get(StatusMapper.RETRY_AFTER_MS))).isBetween(1L, 1000L);
                });
        for (int i = 0; i < 20; i++) {
            assertThat(with(stub, "someone-else", null).search(query("x")).getTotalHits()).isEqualTo(1);
            assertThat(stub.search(query("x")).getTotalHits()).isEqualTo(1); // anonymous
        }
        assertThat(shed("rate_limited", "batch")).isEqualTo(1);
    }

    @Test
    void writesAreNotGated() throws Exception {
        start(AdmissionConfig.builder().maxConcurrent(1).maxQueue(0).build());
        var async = SearchServiceGrpc.newFutureStub(channel);
        var holding = async.search(query("block"));
        assertThat(started.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        var blocking = SearchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThat(blocking.index(IndexRequest.newBuilder().setIndex("i").setId("1").build())).isNotNull();
        assertThatThrownBy(() -> blocking.search(query("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        finish.countDown();
        holding.get(5, TimeUnit.SECONDS);
    }
}
