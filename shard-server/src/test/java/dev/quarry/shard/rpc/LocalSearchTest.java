package dev.quarry.shard.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.shard.index.PinnedSearchers;
import dev.quarry.shard.index.QueryFactory;
import dev.quarry.shard.index.ShardSearcher;
import dev.quarry.shard.index.ShardWriter;
import io.grpc.Status;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link LocalSearch}: quick shards answer on the calling thread; a stuck shard is named late while the others answer. */
class LocalSearchTest {
    /**
     * No automatic refresh: only the test's own. A background refresh holds a reference to the current
     * reader while it checks it, and one running while {@link #refCounts} is read made the idle
     * reference counts off by one (seen once in CI).
     */
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"name": {"type": "text"}}, "default_fields": ["name"], "refresh_interval_ms": 3600000}""");

    private final List<ShardWriter> writers = new ArrayList<>();
    private final List<LocalSearch.Member> members = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final LocalSearch search = new LocalSearch(threads);
    private final ShardQueryRequest query = ShardQueryRequest.newBuilder().setQuery("react").setK(5).build();

    @BeforeEach
    void shards() throws Exception {
        for (int shard = 0; shard < 4; shard++) {
            ShardWriter w = new ShardWriter("s" + shard, SCHEMA, new ByteBuffersDirectory(), Clock.systemUTC(), 1_000_000, 600_000, dl -> { },
                    new SimpleMeterRegistry(), Tags.empty());
            writers.add(w);
            List<LogRecord> docs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String json = "{\"name\": \"react router " + shard + "-" + i + "\"}";
                docs.add(new LogRecord(0, i, shard + "-" + i, json.getBytes(StandardCharsets.UTF_8), null, 0));
            }
            w.apply(docs);
            w.refresh();
            PinnedSearchers pinned = new PinnedSearchers(w.searchers(), 10_000, Clock.systemUTC());
            pinned.recordCurrent(w.visibleCheckpoint());
            members.add(new LocalSearch.Member(shard, new ShardSearcher(w.searchers(), pinned, new QueryFactory(SCHEMA), w::quietForMs)));
        }
        idleRefCounts = refCounts();
    }

    private List<Integer> idleRefCounts;

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        for (ShardWriter w : writers) {
            w.close();
        }
    }

    @Test
    void quickShardsAnswerOnTheCallingThreadBeforeStartReturns() throws Exception {
        AtomicReference<Thread> answeredOn = new AtomicReference<>();
        AtomicReference<List<LocalShardResult>> answer = new AtomicReference<>();
        HeldExecutor helpers = new HeldExecutor();
        // helpers held back: on a slow machine the help timer can fire before the four shards are done,
        // and this test is about the calling thread doing the work, not about the timer losing that race
        new LocalSearch(helpers).start(members, query, true, TimeUnit.SECONDS.toNanos(30), shard -> { }, results -> {
            answeredOn.set(Thread.currentThread());
            answer.set(results);
        });
        helpers.release();
        assertThat(answeredOn.get()).isSameAs(Thread.currentThread());
        assertThat(answer.get()).extracting(LocalShardResult::getShard).containsExactly(0, 1, 2, 3);
        assertThat(answer.get()).allSatisfy(r -> {
            assertThat(r.getStatusCode()).as(r.getStatusMessage()).isZero();
            assertThat(r.getResponse().getTotalHits()).isEqualTo(5);
        });
        // every document scores the same: the top 5 over all shards are shard 0's (ids break the tie),
        // and only they are answered, with their sources
        assertThat(answer.get().get(0).getResponse().getHitsList()).extracting(ShardHit::getId).containsExactly("0-0", "0-1", "0-2", "0-3", "0-4");
        assertThat(answer.get().get(0).getResponse().getHitsList()).allSatisfy(h -> assertThat(h.getSourceJson()).contains(h.getId()));
        assertThat(answer.get().subList(1, 4)).allSatisfy(r -> assertThat(r.getResponse().getHitsList()).isEmpty());
    }

    @Test
    void shardsNotStartedWhenTheCallerCancelsAreNotSearched() throws Exception {
        io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
        List<Integer> searched = new CopyOnWriteArrayList<>();
        AtomicReference<List<LocalShardResult>> answer = new AtomicReference<>();
        HeldExecutor helpers = new HeldExecutor();
        // helpers held back until the call is cancelled: whichever thread then claims shards 2 and 3
        // (the caller, or a helper once released) must not search them
        call.call(() -> {
            new LocalSearch(helpers).start(members, query, true, TimeUnit.SECONDS.toNanos(30), shard -> {
                searched.add(shard);
                if (shard == 1) {
                    call.cancel(null); // e.g. the coordinator's hedge won: this call lost
                }
            }, answer::set);
            return null;
        });
        helpers.release();
        helpers.awaitDone();
        assertThat(searched).containsExactly(0, 1);
        assertThat(answer.get()).extracting(r -> Status.fromCodeValue(r.getStatusCode()).getCode())
                .containsExactly(Status.Code.OK, Status.Code.OK, Status.Code.CANCELLED, Status.Code.CANCELLED);
        assertThat(refCounts()).isEqualTo(idleRefCounts);
    }

    @Test
    void eachShardAnswersItsHitsOnTheMergedPage() throws Exception {
        // "router N-i" ranks shard N's own documents first; k=6 over 4 shards takes hits from several
        ShardQueryRequest mixed = ShardQueryRequest.newBuilder().setQuery("react OR 2 OR 3").setK(6).build();
        List<LocalShardResult> results = search.search(members, mixed, true, TimeUnit.SECONDS.toNanos(30), shard -> { });
        List<List<ShardHit>> full = new ArrayList<>();
        for (LocalSearch.Member m : members) { // each shard's own top 6 under the same summed statistics
            var stats = new ArrayList<dev.quarry.proto.v1.ScoringStats>();
            members.forEach(o -> stats.add(termStats(o, mixed)));
            full.add(m.searcher().query(mixed.toBuilder().setGlobalStats(dev.quarry.common.scoring.ScoringStatsSum.sum(stats)).build()).getHitsList());
        }
        List<ShardHit> want = dev.quarry.common.merge.TopKMerger.merge(full, 6);
        List<ShardHit> got = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            List<ShardHit> hits = results.get(i).getResponse().getHitsList();
            assertThat(hits).as("shard %d answers a prefix of its page", i).isEqualTo(full.get(i).subList(0, hits.size()));
            got.addAll(hits);
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
        assertThat(results.stream().filter(r -> r.getResponse().getHitsCount() > 0).count()).isGreaterThan(1);
    }

    private static dev.quarry.proto.v1.ScoringStats termStats(LocalSearch.Member m, ShardQueryRequest q) {
        try {
            return m.searcher().termStats(q);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aStuckShardIsNamedLateWhileTheOthersAnswerAndTheCallerIsStillInIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<LocalShardResult>> answer = new CompletableFuture<>();
        // shard 0 is the first the calling thread takes: it stays there until released, long after the wait is over
        CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> {
            try {
                search.start(members, query, true, TimeUnit.SECONDS.toNanos(2), shard -> { // 2 s: ample for a cold JVM's first queries
                    if (shard == 0) {
                        release.await();
                    }
                }, answer::complete);
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        }, threads);
        try {
            List<LocalShardResult> results = answer.get(10, TimeUnit.SECONDS);
            assertThat(caller).isNotDone();
            assertThat(results).extracting(LocalShardResult::getShard).containsExactly(0, 1, 2, 3);
            assertThat(results.get(0).getStatusCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED.value());
            assertThat(results.subList(1, 4)).allSatisfy(r -> {
                assertThat(r.getStatusCode()).as(r.getStatusMessage()).isZero();
                assertThat(r.getResponse().getTotalHits()).isEqualTo(5);
            });
            // the top 5 of the shards that answered: shard 1's (equal scores, ids break the tie)
            assertThat(results.get(1).getResponse().getHitsList()).extracting(ShardHit::getId).containsExactly("1-0", "1-1", "1-2", "1-3", "1-4");
        } finally {
            release.countDown();
        }
        caller.get(5, TimeUnit.SECONDS);
        assertThat(refCounts()).as("every shard's searcher given back, the late one's too").isEqualTo(idleRefCounts);
    }

    @Test
    void everyShardsSearcherIsGivenBackAfterAnAnswer() throws Exception {
        for (boolean sumStats : new boolean[] {true, false}) {
            List<LocalShardResult> results = search.search(members, query, sumStats, TimeUnit.SECONDS.toNanos(30), shard -> { });
            assertThat(results).allSatisfy(r -> assertThat(r.getStatusCode()).as(r.getStatusMessage()).isZero());
            assertThat(refCounts()).isEqualTo(idleRefCounts);
        }
    }

    @Test
    void aShardFailingItsQueryPhaseGivesBackEveryShardsSearcher() throws Exception {
        List<LocalShardResult> results = search.search(members, query, true, TimeUnit.SECONDS.toNanos(30), shard -> {
            if (shard == 2) {
                throw new IllegalStateException("injected");
            }
        });
        assertThat(results.get(2).getStatusCode()).isNotZero();
        assertThat(refCounts()).isEqualTo(idleRefCounts);
    }

    /** The reference count of each shard's current reader, less the one reading it takes. */
    private List<Integer> refCounts() throws Exception {
        List<Integer> out = new ArrayList<>();
        for (ShardWriter w : writers) {
            var s = w.searchers().acquire();
            try {
                out.add(s.getIndexReader().getRefCount() - 1);
            } finally {
                w.searchers().release(s);
            }
        }
        return out;
    }

    /** Holds every task until {@link #release}, then runs them on threads of their own. */
    private static final class HeldExecutor implements Executor {
        private final List<Runnable> held = new ArrayList<>();
        private final List<Thread> started = new ArrayList<>();
        private boolean released;

        @Override
        public synchronized void execute(Runnable task) {
            if (released) {
                started.add(Thread.ofVirtual().start(task));
            } else {
                held.add(task);
            }
        }

        synchronized void release() {
            released = true;
            held.forEach(this::execute);
            held.clear();
        }

        void awaitDone() throws InterruptedException {
            List<Thread> all;
            synchronized (this) {
                all = List.copyOf(started);
            }
            for (Thread t : all) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

}
