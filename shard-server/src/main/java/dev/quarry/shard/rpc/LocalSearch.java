package dev.quarry.shard.rpc;

import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.shard.index.GlobalStats;
import dev.quarry.shard.index.PreparedQuery;
import dev.quarry.shard.index.ShardSearcher;
import java.io.IOException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both phases of a search over several shards held by this node, in one request ({@code SearchLocal}):
 * the query is parsed once; each shard's statistics come from its newest searcher, which stays
 * acquired for the query phase ({@link PreparedQuery}: rewritten once, its terms looked up once for
 * both phases), so statistics and scores read one point-in-time view per shard, exactly as the
 * coordinator's two-round path does; with {@code sum_stats} every shard scores with the sum. A
 * failure of the statistics phase fails the whole request (summed statistics would be wrong).
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
        List<Phase> phases = new ArrayList<>(members.size());
        if (sumStats) {
            List<PreparedQuery> prepared = new ArrayList<>(members.size());
            try {
                for (Member m : members) {
                    prepared.add(m.searcher().prepare(parsed));
                }
            } catch (Exception | Error e) {
                for (PreparedQuery p : prepared) {
                    p.close();
                }
                throw e;
            }
            GlobalStats sum = GlobalStats.of(ScoringStatsSum.sum(prepared.stream().map(PreparedQuery::stats).toList()));
            for (int i = 0; i < members.size(); i++) {
                phases.add(new Phase.Prepared(members.get(i), prepared.get(i), sum));
            }
        } else {
            for (Member m : members) {
                phases.add(new Phase.Parsed(m, parsed));
            }
        }
        Run run = new Run(phases, base, before, until);
        run.answer.thenAccept(onAnswer);
        run.arm(Math.min(until, System.nanoTime() + HELP_AFTER_NANOS), run::help);
        run.work();
    }

    /**
     * One shard's query phase: on its newest searcher with the parsed query, or on the searcher its
     * statistics came from ({@link PreparedQuery}, given back once run or abandoned).
     */
    private sealed interface Phase {
        Member member();

        ShardQueryResponse run(ShardQueryRequest base) throws IOException;

        /** Run or not, the phase is over: frees what it holds. */
        void done() throws IOException;

        record Parsed(Member member, Query parsed) implements Phase {
            @Override
            public ShardQueryResponse run(ShardQueryRequest base) throws IOException {
                return member.searcher().query(base, parsed);
            }

            @Override
            public void done() {}
        }

        record Prepared(Member member, PreparedQuery prepared, GlobalStats sum) implements Phase {
            @Override
            public ShardQueryResponse run(ShardQueryRequest base) throws IOException {
                return member.searcher().query(base, prepared, sum);
            }

            @Override
            public void done() throws IOException {
                prepared.close();
            }
        }
    }

    /** The query phases of one search. Claims by index; results and the answer guarded by the monitor. */
    private final class Run {
        final CompletableFuture<List<LocalShardResult>> answer = new CompletableFuture<>();
        private final List<Phase> phases;
        private final ShardQueryRequest base;
        private final BeforeQuery before;
        private final long until;
        private final AtomicInteger nextUnclaimed = new AtomicInteger();
        private final LocalShardResult[] results;
        private int answered;
        private boolean complete;
        private ScheduledFuture<?> timer;

        Run(List<Phase> phases, ShardQueryRequest base, BeforeQuery before, long until) {
            this.phases = phases;
            this.base = base;
            this.before = before;
            this.until = until;
            this.results = new LocalShardResult[phases.size()];
        }

        /**
         * Runs unclaimed shards on this thread until none is left; once the answer is out, the shards
         * still unclaimed are only given back (every shard is claimed exactly once, by this loop or a helper).
         */
        void work() {
            for (int i = nextUnclaimed.getAndIncrement(); i < results.length; i = nextUnclaimed.getAndIncrement()) {
                runOne(i);
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
                runOne(i);
            }
        }

        private void runOne(int i) {
            Phase phase = phases.get(i);
            if (answer.isDone()) {
                release(phase);
            } else {
                record(i, queryOne(phase, base, before));
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
                        int shard = phases.get(i).member().shard();
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

    private static LocalShardResult queryOne(Phase phase, ShardQueryRequest base, BeforeQuery before) {
        int shard = phase.member().shard();
        try {
            before.run(shard);
            return LocalShardResult.newBuilder().setShard(shard).setResponse(phase.run(base)).build();
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return failed(shard, ShardErrors.toStatus(t).getStatus());
        } finally {
            release(phase);
        }
    }

    private static void release(Phase phase) {
        try {
            phase.done();
        } catch (IOException e) {
            // the answer is already made; the searcher's reference was still given back
            log.warn("shard {}: giving back a searcher failed: {}", phase.member().shard(), e.toString());
        }
    }

    private static LocalShardResult failed(int shard, Status s) {
        return LocalShardResult.newBuilder().setShard(shard).setStatusCode(s.getCode().value())
                .setStatusMessage(s.getDescription() == null ? s.getCode().name() : s.getDescription()).build();
    }
}
