package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.dev.DevCluster;
import dev.quarry.coordinator.admission.AdmissionConfig;
import dev.quarry.coordinator.admission.RateLimit;
import dev.quarry.coordinator.api.AdmissionInterceptor;
import dev.quarry.coordinator.error.StatusMapper;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.search.Search;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control over real sockets (issue 5): the coordinator of a {@link DevCluster} with a
 * small concurrency limit, loaded with the npm sample.
 *
 * <p>The overload test first measures the sustainable rate (closed loop with as many callers as
 * slots plus queue places, so every slot is always busy and the next request already waiting:
 * fewer callers leave slots idle for a round trip and understate it by half), then offers five
 * times that rate open-loop for 30 s — 10% interactive, 90% batch, every call with the same
 * deadline (its budget) — and checks what the issue asks: admitted requests keep p99 within their
 * budget; the rest are refused with RESOURCE_EXHAUSTED within milliseconds; nothing times out
 * silently: no call is left unanswered, none ends with another status, and a DEADLINE_EXCEEDED is
 * allowed only for a call the coordinator admitted (an admitted call over its budget, counted in
 * the p99 above; its admission counters must show it admitted, and none cancelled while queued), never
 * for one that waited in the queue until the caller gave up; the queue and the in-flight count stay
 * within their bounds and the heap does not grow; interactive requests are served ahead of batch
 * ones. The limits have the shipped defaults' proportions (queue twice the limit, a quarter of it
 * for batch) at a small scale.
 *
 * <p>Every role of the cluster runs in this JVM, so the coordinator's refusals share the
 * virtual-thread carriers (one per core) with the shard servers' Lucene searches, and the machine
 * with whatever else runs on it: latencies here are upper bounds of a coordinator on its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdmissionOverloadIT {
    private static final String INDEX = "npm";
    private static final int LIMIT = 4;
    private static final int MAX_QUEUE = 2 * LIMIT;
    private static final int MAX_BATCH_QUEUE = MAX_QUEUE / 4;
    /**
     * The deadline of every overload call, the budget admitted requests must keep: four times the
     * unloaded p99 (room to queue for a few service times), at least 250 ms, at most 2 s.
     */
    private static long budgetMs(Histogram unloaded) {
        long fourP99 = (long) Math.ceil(4 * unloaded.getValueAtPercentile(99) / 1e3 / 50) * 50;
        return Math.clamp(fourP99, 250, 2_000);
    }
    private static final int OVERLOAD_FACTOR = 5;
    private static final Duration OVERLOAD = Duration.ofSeconds(30);
    /** One call in ten is interactive: half the sustainable rate, so all of them can be served. */
    private static final int INTERACTIVE_EVERY = 10;
    /**
     * How much slower than a trivial RPC a refusal may be. A refusal on arrival costs the
     * coordinator one lock and one counter (microseconds); the rest of its latency is what any call
     * to the coordinator pays at that moment: a free carrier thread (shared, in this JVM, with the
     * shard servers' searches), the loopback RPC, and on a busy host the CPU it does not get. So
     * the test measures that directly: a control call (AdminService/ListIndices, answered from
     * memory, not admission-controlled) rides in the same open-loop stream, one per ten searches,
     * and the refusals' p99 may exceed the control calls' p99 by 20 ms at most (a refusal on an idle
     * cluster takes about 2 ms, see the rate test's output). A refusal that waited in the queue
     * instead, until its wait budget ran out, takes most of the budget (at least 250 ms).
     */
    private static final long SHED_OVER_PROBE_P99_MS = 20;
    private static final String METERED = "metered";

    private DevCluster cluster;
    private ManagedChannel channel;
    private SearchServiceGrpc.SearchServiceBlockingStub search;
    private List<String> queries;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        AdmissionConfig admission = AdmissionConfig.builder().maxConcurrent(LIMIT).maxQueue(MAX_QUEUE).maxBatchQueue(MAX_BATCH_QUEUE)
                .maxQueueWait(Duration.ofSeconds(1)).clientRate(METERED, new RateLimit(2, 5)).build();
        cluster = DevCluster.builder().dataDir(dir).ephemeralPorts().shardServers(2).commitIntervalMs(500).admission(admission)
                // the 500 queries repeat: without this the result cache would answer most of them and make "sustainable" meaningless
                .search(dev.quarry.coordinator.SearchOptions.DEFAULTS.withCache(0, java.time.Duration.ZERO)).start();
        // directExecutor: completions are recorded on the event loop, so the measured latency has no thread hop in it.
        channel = NettyChannelBuilder.forTarget(cluster.coordinatorAddress()).usePlaintext().directExecutor().build();
        search = SearchServiceGrpc.newBlockingStub(channel);
        AdminServiceGrpc.newBlockingStub(channel).createIndex(CreateIndexRequest.newBuilder().setName(INDEX)
                .setSchemaJson(SampleData.schema(4, 2, 1, 200)).build());
        List<SampleData.Pkg> docs = SampleData.load();
        var props = dev.quarry.ingest.load.BulkLoader.producerProperties(cluster.kafkaBootstrap(), "it");
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (SampleData.Pkg p : docs) {
                producer.send(new ProducerRecord<>(Topics.docs(INDEX), p.id(), p.line()));
            }
        }
        // Replicas start a moment after the index is created: until then a search is UNAVAILABLE.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> totalHits("*") == docs.size());
        queries = QueryGenerator.generate(docs.stream().map(p -> p.name() + " " + p.description()).toList(), 500, 11);
    }

    @AfterAll
    void stopCluster() {
        if (channel != null) channel.shutdownNow();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void aClientOverItsRateIsRefusedWithARetryHint() {
        // "metered" may send 2/s with a burst of 5: of 20 calls at once, the first 5 pass (a sixth
        // only if the test took over half a second), the rest are refused at once with a hint.
        var metered = search.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(METERED, "interactive")));
        int ok = 0;
        List<Long> hints = new ArrayList<>();
        Histogram refusals = new Histogram(3);
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            long c0 = System.nanoTime();
            try {
                metered.withDeadlineAfter(10, TimeUnit.SECONDS).search(request(i));
                ok++;
            } catch (StatusRuntimeException e) {
                refusals.recordValue(Math.max(1, (System.nanoTime() - c0) / 1000));
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(e.getStatus().getDescription()).contains("rate_limited", "'metered'");
                hints.add(Long.parseLong(e.getTrailers().get(StatusMapper.RETRY_AFTER_MS)));
            }
        }
        double elapsedS = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "[admission IT] rate-limit refusals on an idle cluster: p50 %.2f ms, max %.2f ms%n",
                ms(refusals, 50), refusals.getMaxValue() / 1e3);
        assertThat(ok).isBetween(5, 5 + (int) (2 * elapsedS));
        assertThat(hints).hasSize(20 - ok).allSatisfy(h -> assertThat(h).isBetween(1L, 500L));
        // The refusals are on the coordinator's /metrics, by reason and priority.
        String metrics = scrape();
        assertThat(metrics).contains("quarry_coordinator_admission_shed_total{priority=\"interactive\",reason=\"rate_limited\"} " + (20 - ok) + ".0",
                "quarry_coordinator_admission_queue_depth{priority=\"batch\"}", "quarry_coordinator_admission_inflight ");
        // Another client is not affected by "metered" being over its rate.
        for (int i = 0; i < 20; i++) {
            search.withDeadlineAfter(10, TimeUnit.SECONDS).search(request(i));
        }
    }

    /**
     * Five times the sustainable rate for 30 s (about 70 s in all). On a host starved by other
     * builds (load average 10+ on 2 cores) it can fail for reasons outside admission — a shard
     * server's 3 s liveness lease expiring ("no started replica"); it passes on a quiet machine.
     */
    @Test
    @Order(2)
    void fiveTimesTheSustainableRateForThirtySeconds() throws Exception {
        // Warm up (JIT) until the rate settles: two 3 s windows within 10% of each other, at most six.
        double previous = 0;
        for (int w = 0; w < 6; w++) {
            double rate = closedLoop(LIMIT + MAX_QUEUE, Duration.ofSeconds(3), null);
            if (Math.abs(rate - previous) <= 0.1 * rate) {
                break;
            }
            previous = rate;
        }
        Histogram unloaded = new Histogram(3);
        double sustainable = closedLoop(LIMIT + MAX_QUEUE, Duration.ofSeconds(5), unloaded);
        double offered = OVERLOAD_FACTOR * sustainable;
        long budgetMs = budgetMs(unloaded);
        System.out.printf(Locale.ROOT, "[admission IT] sustainable %.0f req/s with %d closed-loop callers (latency p50 %.1f ms, p99 %.1f ms; load average %.1f on %d cores); "
                        + "offering %.0f req/s for %d s with a %d ms budget%n", sustainable, LIMIT + MAX_QUEUE, unloaded.getValueAtPercentile(50) / 1e3,
                unloaded.getValueAtPercentile(99) / 1e3, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors(), offered, OVERLOAD.toSeconds(), budgetMs);
        // The test means something only if the budget leaves room to queue: several service times.
        assertThat(unloaded.getValueAtPercentile(99) / 1e3).as("unloaded p99 (ms) well under the budget").isLessThan(budgetMs / 3.0);

        Map<String, Double> shedBefore = shedCounts();
        Map<String, Double> admittedBefore = admittedCounts();
        long heapBefore = heapAfterGc();
        OpenLoop run = new OpenLoop(offered, OVERLOAD, budgetMs);
        Thread sampler = Thread.ofVirtual().start(run::sampleGauges);
        Thread pauses = Thread.ofPlatform().daemon().start(run::watchPauses);
        run.offer();
        run.stopSampling = true;
        assertThat(run.allAnswered.await(budgetMs + 30_000, TimeUnit.MILLISECONDS)).as("every call answered").isTrue();
        assertThat(run.controlsAnswered.await(budgetMs + 30_000, TimeUnit.MILLISECONDS)).as("every control call answered").isTrue();
        sampler.join();
        pauses.join();
        Histogram probe = run.control;
        long heapAfter = heapAfterGc();
        Map<String, Double> shed = delta(shedBefore, shedCounts());
        Map<String, Double> admittedByServer = delta(admittedBefore, admittedCounts());

        Report r = run.report();
        System.out.printf(Locale.ROOT, "[admission IT] sent %d in %.1f s (%.0f req/s; the sender lagged its schedule by > 5 ms on %d calls, max %.1f ms); "
                        + "control RPC p50 %.2f ms, p99 %.2f ms, max %.1f ms; load average %.1f%n", run.n, run.sendSeconds, run.n / run.sendSeconds,
                run.lateSends.get(), run.maxLagNanos / 1e6, ms(probe, 50), ms(probe, 99), probe.getMaxValue() / 1e3,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        String host = String.format(Locale.ROOT, " [host: JVM stalls over 50 ms: %d, longest %d ms; load average %.1f on %d cores]",
                run.stalls.get(), run.longestStallMs.get(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
        System.out.println("[admission IT]" + host);
        for (Priority p : Priority.values()) {
            System.out.printf(Locale.ROOT, "[admission IT]   %-11s sent %6d  admitted %6d (%.0f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                            + "over budget %d)  shed %6d (%.1f%%, p50 %.2f ms, p99 %.2f ms, max %.1f ms)  other %s%n", p, r.sent.get(p),
                    r.admitted(p).getTotalCount(), r.admitted(p).getTotalCount() / run.sendSeconds, ms(r.admitted(p), 50), ms(r.admitted(p), 99),
                    r.admitted(p).getMaxValue() / 1e3, r.late.get(p).getTotalCount(),
                    r.shed.get(p).getTotalCount(), 100.0 * r.shed.get(p).getTotalCount() / r.sent.get(p), ms(r.shed.get(p), 50),
                    ms(r.shed.get(p), 99), r.shed.get(p).getMaxValue() / 1e3, r.other.get(p));
        }
        run.otherDetails.forEach((code, detail) -> System.out.printf("[admission IT]   e.g. %s: %s%n", code, detail));
        System.out.printf(Locale.ROOT, "[admission IT] admitted (server counters) %s; shed by reason (server counters) %s; max queue depth %d of %d, max in flight %d of %d; "
                + "heap after GC %d MB before, %d MB after%n", admittedByServer, shed, run.maxQueued.get(), MAX_QUEUE, run.maxInFlight.get(), LIMIT,
                heapBefore >> 20, heapAfter >> 20);

        // Nothing times out silently: each call is admitted and answered (DEADLINE_EXCEEDED only if it
        // was admitted and then ran over its budget, which the p99 below counts), or refused.
        for (Priority p : Priority.values()) {
            assertThat(r.other.get(p)).as("%s calls that ended neither OK, RESOURCE_EXHAUSTED nor DEADLINE_EXCEEDED %s%s", p, run.otherDetails, host)
                    .isEmpty();
            assertThat(r.admitted(p).getTotalCount() + r.shed.get(p).getTotalCount()).isEqualTo(r.sent.get(p));
            assertThat(admittedByServer.getOrDefault(p.name().toLowerCase(Locale.ROOT), 0.0))
                    .as("%s calls the coordinator admitted, against %d answered OK and %d over budget %s%s", p, r.ok.get(p).getTotalCount(),
                            r.late.get(p).getTotalCount(), run.otherDetails, host)
                    .isEqualTo((double) r.admitted(p).getTotalCount());
        }
        assertThat(shed).as("calls whose caller gave up while they were queued").doesNotContainKeys("interactive/cancelled", "batch/cancelled");
        // Admitted requests keep their budget.
        for (Priority p : Priority.values()) {
            assertThat(ms(r.admitted(p), 99)).as("%s admitted p99 (ms), %d of them over budget%s", p, r.late.get(p).getTotalCount(), host)
                    .isLessThanOrEqualTo(budgetMs);
        }
        // The rest are refused within milliseconds.
        Histogram allShed = new Histogram(3);
        r.shed.values().forEach(allShed::add);
        assertThat(allShed.getTotalCount()).as("5x the sustainable rate must be shed in part").isGreaterThan(run.n / 2);
        assertThat(run.controlFailures.get()).as("control calls that failed").isZero();
        assertThat(ms(allShed, 99)).as("shed p99 (ms), against the control calls' p99 of %.1f ms%s", ms(probe, 99), host)
                .isLessThanOrEqualTo(ms(probe, 99) + SHED_OVER_PROBE_P99_MS);
        // Shedding keeps the cluster doing useful work: goodput stays near the sustainable rate.
        long admitted = r.ok.values().stream().mapToLong(Histogram::getTotalCount).sum(); // answered within budget
        assertThat(admitted / run.sendSeconds).as("admitted req/s under overload").isGreaterThan(0.5 * sustainable);
        // Interactive first: offered at half the sustainable rate, nearly all of it is served, and batch absorbs the shedding.
        double interactiveShed = (double) r.shed.get(Priority.INTERACTIVE).getTotalCount() / r.sent.get(Priority.INTERACTIVE);
        double batchShed = (double) r.shed.get(Priority.BATCH).getTotalCount() / r.sent.get(Priority.BATCH);
        // (Relative, not absolute: on a shared machine the capacity dips below the rate measured before the run.)
        assertThat(batchShed).as("batch shed fraction").isGreaterThan(0.6);
        assertThat(interactiveShed).as("interactive shed fraction, against batch's %.2f", batchShed).isLessThan(batchShed / 4);
        // Bounded: the queue and the slots never exceed their limits, and the heap does not grow with the overload.
        assertThat(run.maxQueued.get()).isLessThanOrEqualTo(MAX_QUEUE);
        assertThat(run.maxInFlight.get()).isLessThanOrEqualTo(LIMIT);
        assertThat(heapAfter - heapBefore).as("heap growth after GC (bytes)").isLessThan(64L << 20);
    }

    private enum Priority { INTERACTIVE, BATCH }

    /** Outcomes by priority: {@code ok} answered, {@code late} DEADLINE_EXCEEDED (admitted, over budget), {@code shed} refused. */
    private record Report(Map<Priority, Long> sent, Map<Priority, Histogram> ok, Map<Priority, Histogram> late, Map<Priority, Histogram> shed,
            Map<Priority, Map<String, Integer>> other) {
        /** Latencies of every admitted call: the answered ones and those that ran over their budget. */
        Histogram admitted(Priority p) {
            Histogram all = ok.get(p).copy();
            all.add(late.get(p));
            return all;
        }
    }

    /** The open-loop sender: call i leaves at start + i / rate whatever happened to the earlier ones. */
    private final class OpenLoop {
        private static final int OK = 1;
        private static final int SHED = 2;
        private static final int LATE = 3;
        final int n;
        final long periodNanos;
        final long budgetMs;
        final AtomicLongArray latencyNanos;
        final AtomicIntegerArray outcome; // 0 pending, OK, SHED, LATE, or 100 + other status code
        final CountDownLatch allAnswered;
        final AtomicInteger lateSends = new AtomicInteger();
        final AtomicInteger maxQueued = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Map<String, String> otherDetails = new java.util.concurrent.ConcurrentSkipListMap<>();
        /** Latencies of the control calls (written under its own lock by the event loop). */
        final Histogram control = new Histogram(3);
        final AtomicInteger controlFailures = new AtomicInteger();
        final CountDownLatch controlsAnswered;
        volatile boolean stopSampling;
        long maxLagNanos;
        double sendSeconds;

        OpenLoop(double rate, Duration duration, long budgetMs) {
            this.budgetMs = budgetMs;
            this.n = (int) (rate * duration.toSeconds());
            this.periodNanos = (long) (1e9 / rate);
            this.latencyNanos = new AtomicLongArray(n);
            this.outcome = new AtomicIntegerArray(n);
            this.allAnswered = new CountDownLatch(n);
            this.controlsAnswered = new CountDownLatch((n + 4) / 10); // calls i with i % 10 == 5
        }

        static Priority priorityOf(int i) {
            return i % INTERACTIVE_EVERY == 0 ? Priority.INTERACTIVE : Priority.BATCH;
        }

        void offer() {
            var interactive = SearchServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("web", "interactive")));
            var batch = SearchServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("reindexer", "batch")));
            var admin = AdminServiceGrpc.newStub(channel);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long due = start + i * periodNanos;
                long now = System.nanoTime();
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                    now = System.nanoTime();
                }
                long lag = now - due;
                maxLagNanos = Math.max(maxLagNanos, lag);
                if (lag > 5_000_000) {
                    lateSends.incrementAndGet();
                }
                int id = i;
                long sent = System.nanoTime();
                if (i % 10 == 5) {
                    admin.withDeadlineAfter(budgetMs, TimeUnit.MILLISECONDS).listIndices(dev.quarry.proto.v1.ListIndicesRequest.getDefaultInstance(),
                            new StreamObserver<>() {
                                @Override
                                public void onNext(dev.quarry.proto.v1.ListIndicesResponse value) {}

                                @Override
                                public void onError(Throwable t) {
                                    controlFailures.incrementAndGet();
                                    controlsAnswered.countDown();
                                }

                                @Override
                                public void onCompleted() {
                                    synchronized (control) {
                                        control.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                                    }
                                    controlsAnswered.countDown();
                                }
                            });
                }
                (priorityOf(i) == Priority.INTERACTIVE ? interactive : batch).withDeadlineAfter(budgetMs, TimeUnit.MILLISECONDS)
                        .search(request(i), new StreamObserver<>() {
                            @Override
                            public void onNext(SearchResponse value) {}

                            @Override
                            public void onError(Throwable t) {
                                Status.Code code = Status.fromThrowable(t).getCode();
                                if (code != Status.Code.RESOURCE_EXHAUSTED) {
                                    otherDetails.putIfAbsent(code.name(), String.valueOf(Status.fromThrowable(t).getDescription()));
                                }
                                done(id, sent, switch (code) {
                                    case RESOURCE_EXHAUSTED -> SHED;
                                    case DEADLINE_EXCEEDED -> LATE;
                                    default -> 100 + code.value();
                                });
                            }

                            @Override
                            public void onCompleted() {
                                done(id, sent, OK);
                            }
                        });
            }
            sendSeconds = (System.nanoTime() - start) / 1e9;
        }

        private void done(int id, long sentNanos, int result) {
            latencyNanos.set(id, System.nanoTime() - sentNanos);
            if (outcome.compareAndSet(id, 0, result)) {
                allAnswered.countDown();
            }
        }


        final AtomicInteger stalls = new AtomicInteger();
        final AtomicInteger longestStallMs = new AtomicInteger();

        /**
         * Sleeps 10 ms at a time and notes oversleeping by more than 50 ms: the JVM or the host
         * stalled (a GC pause, or no CPU). Reported with any failure, so a starved host is told
         * apart from slow admission.
         */
        void watchPauses() {
            while (!stopSampling) {
                long t0 = System.nanoTime();
                LockSupport.parkNanos(10_000_000);
                long overMs = (System.nanoTime() - t0) / 1_000_000 - 10;
                if (overMs > 50) {
                    stalls.incrementAndGet();
                    longestStallMs.accumulateAndGet((int) overMs, Math::max);
                }
            }
        }

        /** Polls the coordinator's gauges (the ones /metrics exports) while the offer runs. */
        void sampleGauges() {
            while (!stopSampling) {
                int queued = 0;
                for (var g : Search.in(cluster.metrics()).name("quarry.coordinator.admission.queue.depth").gauges()) {
                    queued += (int) g.value();
                }
                maxQueued.accumulateAndGet(queued, Math::max);
                maxInFlight.accumulateAndGet((int) cluster.metrics().get("quarry.coordinator.admission.inflight").gauge().value(), Math::max);
                LockSupport.parkNanos(5_000_000);
            }
        }

        Report report() {
            Map<Priority, Long> sent = new EnumMap<>(Priority.class);
            Map<Priority, Histogram> ok = new EnumMap<>(Priority.class);
            Map<Priority, Histogram> shed = new EnumMap<>(Priority.class);
            Map<Priority, Histogram> late = new EnumMap<>(Priority.class);
            Map<Priority, Map<String, Integer>> other = new EnumMap<>(Priority.class);
            for (Priority p : Priority.values()) {
                sent.put(p, 0L);
                ok.put(p, new Histogram(3));
                shed.put(p, new Histogram(3));
                late.put(p, new Histogram(3));
                other.put(p, new TreeMap<>());
            }
            for (int i = 0; i < n; i++) {
                Priority p = priorityOf(i);
                sent.merge(p, 1L, Long::sum);
                long us = Math.max(1, latencyNanos.get(i) / 1000);
                switch (outcome.get(i)) {
                    case OK -> ok.get(p).recordValue(us);
                    case SHED -> shed.get(p).recordValue(us);
                    case LATE -> late.get(p).recordValue(us);
                    case 0 -> other.get(p).merge("no answer", 1, Integer::sum);
                    default -> other.get(p).merge(Status.Code.values()[outcome.get(i) - 100].name(), 1, Integer::sum);
                }
            }
            return new Report(sent, ok, late, shed, other);
        }
    }

    /** Runs {@code threads} callers back to back; returns answered searches per second (a refused one is retried after 1 ms). */
    private double closedLoop(int threads, Duration duration, Histogram latencies) throws InterruptedException {
        AtomicInteger done = new AtomicInteger();
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(Thread.ofPlatform().start(() -> {
                int i = seed * 1000;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        search.withDeadlineAfter(10, TimeUnit.SECONDS).search(request(i++));
                    } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
                            throw e;
                        }
                        LockSupport.parkNanos(1_000_000);
                        continue;
                    }
                    if (latencies != null) {
                        synchronized (latencies) {
                            latencies.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                        }
                    }
                    done.incrementAndGet();
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private String scrape() {
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.coordinatorMetricsUrl())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private SearchRequest request(int i) {
        return SearchRequest.newBuilder().setIndex(INDEX).setQuery(queries.get(Math.floorMod(i, queries.size()))).setK(10).build();
    }

    private long totalHits(String q) {
        return search.withDeadlineAfter(10, TimeUnit.SECONDS).search(SearchRequest.newBuilder().setIndex(INDEX).setQuery(q).setK(1).build()).getTotalHits();
    }

    private static Metadata headers(String client, String priority) {
        Metadata h = new Metadata();
        h.put(AdmissionInterceptor.CLIENT_HEADER, client);
        h.put(AdmissionInterceptor.PRIORITY_HEADER, priority);
        return h;
    }

    private Map<String, Double> shedCounts() {
        Map<String, Double> out = new TreeMap<>();
        for (var c : Search.in(cluster.metrics()).name("quarry.coordinator.admission.shed").counters()) {
            out.put(c.getId().getTag("priority") + "/" + c.getId().getTag("reason"), c.count());
        }
        return out;
    }

    private Map<String, Double> admittedCounts() {
        Map<String, Double> out = new TreeMap<>();
        for (var c : Search.in(cluster.metrics()).name("quarry.coordinator.admission.admitted").counters()) {
            out.put(c.getId().getTag("priority"), c.count());
        }
        return out;
    }

    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((k, v) -> {
            double d = v - before.getOrDefault(k, 0.0);
            if (d > 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }
}
