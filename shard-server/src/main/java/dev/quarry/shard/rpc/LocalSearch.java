package dev.quarry.shard.rpc;

import dev.quarry.common.merge.TopKMerger;
import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.shard.index.GlobalStats;
import dev.quarry.shard.index.PreparedQuery;
import dev.quarry.shard.index.RankedPage;
import dev.quarry.shard.index.ShardSearcher;
import dev.quarry.shard.index.SharedRewrite;
import java.io.IOException;
import io.grpc.Context;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.lucene.search.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both phases of a search over several shards held by this node, in one request ({@code SearchLocal}):
 * the query is parsed once, and rewritten once when its rewrite cannot depend on a shard's index
 * ({@link SharedRewrite}); each shard's statistics come from its newest searcher, which stays
 * acquired for the query phase ({@link PreparedQuery}: rewritten once, its terms looked up once for
 * both phases), so statistics and scores read one point-in-time view per shard, exactly as the
 * coordinator's two-round path does; with {@code sum_stats} every shard scores with the sum. A
 * failure of the statistics phase fails the whole request (summed statistics would be wrong).
 *
 * <p>Sources are read last: the shards' pages are merged in the request's order (the coordinator's
 * {@link TopKMerger}, so it picks the same hits), and each shard reads the sources of its hits on the
 * merged page only, a prefix of its own page; a shard's answer therefore lists just those hits, with
 * its totals unchanged. Since the node holds every listed shard, the coordinator's page is the same.
 *
 * <p>The query phases run on the calling thread, one shard after the other, which on a busy node
 * costs less than a thread hand-off per shard (each query phase is a fraction of a millisecond). If
 * they are not all done after {@link #HELP_AFTER_NANOS}, the shards nobody has started yet each get a
 * thread of the executor, so that one slow shard does not hold the others back. The answer is
 * complete when every shard has answered, or at {@code waitNanos}, whatever runs late: a shard still
 * running then is answered as DEADLINE_EXCEEDED, so the caller can name it. Once the caller has
 * cancelled the call (the coordinator cancels the loser of a hedged pair), the shards not started yet
 * are answered CANCELLED without being searched.
 * Thread-safety: stateless apart from the executor and a shared timer; safe for concurrent use.
 */
public final class LocalSearch {
    private static final Logger log = LoggerFactory.getLogger(LocalSearch.class);

    /** How long the calling thread works through the shards alone before the rest get threads of their own. */
    static final long HELP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** One timer thread for every instance: arms the help and the deadline of each search (most are cancelled). */
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    /** One shard of the request and the searcher of its replica on this node. */
    public record Member(int shard, ShardSearcher searcher) {}

    /** Runs before each shard's query phase (the test fault hook). */
    @FunctionalInterface
    public interface BeforeQuery {
        void run(int shard) throws Exception;
    }

    private final Executor executor;

    public LocalSearch(Executor executor) {
        this.executor = executor;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "local-search-timer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** One result per member, in member order. Throws when the query is invalid or a shard's statistics fail. */
    public List<LocalShardResult> search(List<Member> members, ShardQueryRequest query, boolean sumStats, long waitNanos,
                                         BeforeQuery before) throws Exception {
        CompletableFuture<List<LocalShardResult>> answer = new CompletableFuture<>();
        start(members, query, sumStats, waitNanos, before, answer::complete);
        return answer.get();
    }

    /**
     * Runs the search and hands its answer, one result per member in member order, to {@code onAnswer}
     * once every shard answered or at {@code waitNanos} at the latest: on this thread when the shards
     * are quick (the usual case), else on the thread of the last shard or the timer, possibly while
     * this thread is still busy with a late shard. Throws when the query is invalid or a shard's
     * statistics fail (then {@code onAnswer} is not called).
     */
    public void start(List<Member> members, ShardQueryRequest query, boolean sumStats, long waitNanos, BeforeQuery before,
                      Consumer<List<LocalShardResult>> onAnswer) throws Exception {
        long until = System.nanoTime() + waitNanos;
        ShardQueryRequest base = query.toBuilder().clearMinOffsets().clearGlobalStats().setRequireNewest(false).setSearcherVersion(0).build();
        Query parsed = members.get(0).searcher().parse(base);
        Query rewritten = sumStats ? SharedRewrite.of(parsed) : null; // null: each shard rewrites it
        List<PreparedQuery> prepared = new ArrayList<>(members.size());
        try {
            for (Member m : members) {
                prepared.add(!sumStats ? m.searcher().open(parsed)
                        : rewritten != null ? m.searcher().prepareRewritten(rewritten) : m.searcher().prepare(parsed));
            }
        } catch (Exception | Error e) {
            for (PreparedQuery p : prepared) {
                p.close();
            }
            throw e;
        }
        GlobalStats sum = sumStats ? GlobalStats.of(ScoringStatsSum.sum(prepared.stream().map(PreparedQuery::stats).toList())) : null;
        Run run = new Run(members, prepared, sum, base, before, until, Context.current());
        run.answer.thenAccept(onAnswer);
        run.arm(Math.min(until, System.nanoTime() + HELP_AFTER_NANOS), run::help);
        run.work();
    }

    /** One shard's query phase: its page (sources not read yet), or its failure. */
    private record Outcome(RankedPage page, LocalShardResult failure) {}

    /**
     * The query phases of one search. Claims by index; outcomes and the answer guarded by the monitor.
     * Each shard's searcher is given back exactly once: by the thread that makes the answer (after
     * reading the sources), by the shard's own thread when it failed or was too late, or unused when
     * the answer was out before the shard was claimed.
     */
    private final class Run {
        final CompletableFuture<List<LocalShardResult>> answer = new CompletableFuture<>();
        private final List<Member> members;
        private final List<PreparedQuery> prepared;
        private final GlobalStats sum;
        private final ShardQueryRequest base;
        private final BeforeQuery before;
        private final long until;
        /** The caller's call: cancelled when it no longer waits for the answer. */
        private final Context call;
        private final AtomicInteger nextUnclaimed = new AtomicInteger();
        private final Outcome[] outcomes;
        private int answered;
        private boolean complete;
        private ScheduledFuture<?> timer;

        Run(List<Member> members, List<PreparedQuery> prepared, GlobalStats sum, ShardQueryRequest base, BeforeQuery before, long until,
            Context call) {
            this.call = call;
            this.members = members;
            this.prepared = prepared;
            this.sum = sum;
            this.base = base;
            this.before = before;
            this.until = until;
            this.outcomes = new Outcome[members.size()];
        }

        /**
         * Runs unclaimed shards on this thread until none is left; once the answer is out, the shards
         * still unclaimed are only given back (every shard is claimed exactly once, by this loop or a helper).
         */
        void work() {
            for (int i = nextUnclaimed.getAndIncrement(); i < outcomes.length; i = nextUnclaimed.getAndIncrement()) {
                runOne(i);
            }
        }

        /** Help is due: the deadline is armed and every shard nobody has started gets a thread. */
        void help() {
            arm(until, this::expire);
            int left = outcomes.length - nextUnclaimed.get();
            for (int n = 0; n < left && !answer.isDone(); n++) {
                executor.execute(this::workOne);
            }
        }

        private void workOne() {
            int i = nextUnclaimed.getAndIncrement();
            if (i < outcomes.length) {
                runOne(i);
            }
        }

        private void runOne(int i) {
            if (answer.isDone()) {
                release(i);
                return;
            }
            Outcome o = call.isCancelled() ? cancelled(i) : queryOne(i);
            if (o.failure() != null) {
                release(i);
            }
            record(i, o);
        }

        private Outcome cancelled(int i) {
            int shard = members.get(i).shard();
            return new Outcome(null, failed(shard, Status.CANCELLED.withDescription("the caller cancelled; shard " + shard + " was not searched")));
        }

        private Outcome queryOne(int i) {
            int shard = members.get(i).shard();
            try {
                before.run(shard);
                return new Outcome(members.get(i).searcher().rank(base, prepared.get(i), sum), null);
            } catch (Throwable t) {
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return new Outcome(null, failed(shard, ShardErrors.toStatus(t).getStatus()));
            }
        }

        private void record(int i, Outcome o) {
            Outcome[] all;
            ScheduledFuture<?> pending;
            synchronized (this) {
                if (complete) {
                    if (o.page() != null) {
                        release(i); // too late: the answer already names this shard as late
                    }
                    return;
                }
                outcomes[i] = o;
                if (++answered < outcomes.length) {
                    return;
                }
                complete = true;
                all = outcomes.clone();
                pending = timer;
            }
            pending.cancel(false);
            answer.complete(finish(all)); // outside the monitor: completing runs the caller's continuation
        }

        /** The wait is over: the shards still running are late. */
        private void expire() {
            Outcome[] all;
            synchronized (this) {
                if (complete) {
                    return;
                }
                for (int i = 0; i < outcomes.length; i++) {
                    if (outcomes[i] == null) {
                        int shard = members.get(i).shard();
                        outcomes[i] = new Outcome(null, failed(shard, Status.DEADLINE_EXCEEDED.withDescription("shard " + shard
                                + " did not answer before the deadline")));
                    }
                }
                complete = true;
                all = outcomes.clone();
            }
            answer.complete(finish(all));
        }

        /**
         * The answer from the outcomes: the answered shards' pages merged, each shard's hits on the
         * merged page read with their sources, and the answered shards' searchers given back.
         */
        private List<LocalShardResult> finish(Outcome[] all) {
            List<List<ShardHit>> pages = new ArrayList<>();
            int k = 0;
            for (Outcome o : all) {
                if (o.page() != null) {
                    pages.add(o.page().hits());
                    k = o.page().k();
                }
            }
            Set<ShardHit> merged = Collections.newSetFromMap(new IdentityHashMap<>());
            merged.addAll(TopKMerger.merge(pages, k, TopKMerger.order(base.getSortList())));
            List<LocalShardResult> out = new ArrayList<>(all.length);
            for (int i = 0; i < all.length; i++) {
                Outcome o = all[i];
                if (o.page() == null) {
                    out.add(o.failure());
                    continue;
                }
                int shard = members.get(i).shard();
                List<ShardHit> hits = o.page().hits();
                int kept = 0;
                while (kept < hits.size() && merged.contains(hits.get(kept))) {
                    kept++;
                }
                try {
                    out.add(LocalShardResult.newBuilder().setShard(shard).setResponse(o.page().withSources(kept)).build());
                } catch (Throwable t) {
                    out.add(failed(shard, ShardErrors.toStatus(t).getStatus()));
                } finally {
                    release(i);
                }
            }
            return out;
        }

        /** Schedules {@code task} (the help, then the deadline) unless the answer is out. */
        private synchronized void arm(long atNanos, Runnable task) {
            if (!complete) {
                timer = TIMER.schedule(task, Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }

        private void release(int i) {
            try {
                prepared.get(i).close();
            } catch (IOException e) {
                // the answer is already made; the searcher's reference was still given back
                log.warn("shard {}: giving back a searcher failed: {}", members.get(i).shard(), e.toString());
            }
        }
    }

    private static LocalShardResult failed(int shard, Status s) {
        return LocalShardResult.newBuilder().setShard(shard).setStatusCode(s.getCode().value())
                .setStatusMessage(s.getDescription() == null ? s.getCode().name() : s.getDescription()).build();
    }
}
