package dev.quarry.shard.rpc;

import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.shard.index.ShardSearcher;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.lucene.search.Query;

/**
 * Both phases of a search over several shards held by this node, in one request ({@code SearchLocal}):
 * the query is parsed once; each shard's statistics come from its newest searcher, which is pinned
 * by version for the query phase, so statistics and scores read one point-in-time view per shard,
 * exactly as the coordinator's two-round path does; with {@code sum_stats} every shard scores with
 * the sum. A failure of the statistics phase fails the whole request (summed statistics would be wrong).
 *
 * <p>The query phases run on the calling thread, one shard after the other, which on a busy node
 * costs less than a thread hand-off per shard (each query phase is a fraction of a millisecond). If
 * they are not all done after {@link #HELP_AFTER_NANOS}, the shards nobody has started yet each get a
 * thread of the executor, so that one slow shard does not hold the others back. The answer is
 * complete when every shard has answered, or at {@code waitNanos}, whatever runs late: a shard still
 * running then is answered as DEADLINE_EXCEEDED, so the caller can name it.
 * Thread-safety: stateless apart from the executor and a shared timer; safe for concurrent use.
 */
public final class LocalSearch {
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
        List<ShardQueryRequest> requests = new ArrayList<>(members.size());
        if (sumStats) {
            List<ScoringStats> stats = new ArrayList<>(members.size());
            for (Member m : members) {
                stats.add(m.searcher().termStats(base, parsed));
            }
            ScoringStats sum = ScoringStatsSum.sum(stats);
            for (int i = 0; i < members.size(); i++) {
                requests.add(base.toBuilder().setShard(members.get(i).shard()).setSearcherVersion(stats.get(i).getSearcherVersion())
                        .setGlobalStats(sum).build());
            }
        } else {
            for (Member m : members) {
                requests.add(base.toBuilder().setShard(m.shard()).build());
            }
        }
        Run run = new Run(members, requests, parsed, before, until);
        run.answer.thenAccept(onAnswer);
        run.arm(Math.min(until, System.nanoTime() + HELP_AFTER_NANOS), run::help);
        run.work();
    }

    /** The query phases of one search. Claims by index; results and the answer guarded by the monitor. */
    private final class Run {
        final CompletableFuture<List<LocalShardResult>> answer = new CompletableFuture<>();
        private final List<Member> members;
        private final List<ShardQueryRequest> requests;
        private final Query parsed;
        private final BeforeQuery before;
        private final long until;
        private final AtomicInteger nextUnclaimed = new AtomicInteger();
        private final LocalShardResult[] results;
        private int answered;
        private boolean complete;
        private ScheduledFuture<?> timer;

        Run(List<Member> members, List<ShardQueryRequest> requests, Query parsed, BeforeQuery before, long until) {
            this.members = members;
            this.requests = requests;
            this.parsed = parsed;
            this.before = before;
            this.until = until;
            this.results = new LocalShardResult[members.size()];
        }

        /** Runs unclaimed shards on this thread until none is left (or the answer is out). */
        void work() {
            while (!answer.isDone()) {
                int i = nextUnclaimed.getAndIncrement();
                if (i >= results.length) {
                    return;
                }
                record(i, queryOne(members.get(i), requests.get(i), parsed, before));
            }
        }

        /** Help is due: the deadline is armed and every shard nobody has started gets a thread. */
        void help() {
            arm(until, this::expire);
            int left = results.length - nextUnclaimed.get();
            for (int n = 0; n < left && !answer.isDone(); n++) {
                executor.execute(this::workOne);
            }
        }

        private void workOne() {
            int i = nextUnclaimed.getAndIncrement();
            if (i < results.length) {
                record(i, queryOne(members.get(i), requests.get(i), parsed, before));
            }
        }

        private void record(int i, LocalShardResult r) {
            List<LocalShardResult> all;
            ScheduledFuture<?> pending;
            synchronized (this) {
                if (complete) {
                    return; // too late: the answer already names this shard as late
                }
                results[i] = r;
                if (++answered < results.length) {
                    return;
                }
                complete = true;
                all = Arrays.asList(results);
                pending = timer;
            }
            pending.cancel(false);
            answer.complete(all); // outside the monitor: completing runs the caller's continuation
        }

        /** The wait is over: the shards still running are late. */
        private void expire() {
            List<LocalShardResult> all;
            synchronized (this) {
                if (complete) {
                    return;
                }
                for (int i = 0; i < results.length; i++) {
                    if (results[i] == null) {
                        int shard = members.get(i).shard();
                        results[i] = failed(shard, Status.DEADLINE_EXCEEDED.withDescription("shard " + shard + " did not answer before the deadline"));
                    }
                }
                complete = true;
                all = Arrays.asList(results);
            }
            answer.complete(all);
        }

        /** Schedules {@code task} (the help, then the deadline) unless the answer is out. */
        private synchronized void arm(long atNanos, Runnable task) {
            if (!complete) {
                timer = TIMER.schedule(task, Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
    }

    private static LocalShardResult queryOne(Member m, ShardQueryRequest req, Query parsed, BeforeQuery before) {
        try {
            before.run(m.shard());
            return LocalShardResult.newBuilder().setShard(m.shard()).setResponse(m.searcher().query(req, parsed)).build();
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return failed(m.shard(), ShardErrors.toStatus(t).getStatus());
        }
    }

    private static LocalShardResult failed(int shard, Status s) {
        return LocalShardResult.newBuilder().setShard(shard).setStatusCode(s.getCode().value())
                .setStatusMessage(s.getDescription() == null ? s.getCode().name() : s.getDescription()).build();
    }
}
