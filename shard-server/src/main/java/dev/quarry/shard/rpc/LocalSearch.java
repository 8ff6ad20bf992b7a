package dev.quarry.shard.rpc;

import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.proto.v1.LocalShardResult;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.shard.index.ShardSearcher;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.lucene.search.Query;

/**
 * Both phases of a search over several shards held by this node, in one request ({@code SearchLocal}):
 * the query is parsed once; each shard's statistics come from its newest searcher, which is pinned
 * by version for the query phase, so statistics and scores read one point-in-time view per shard,
 * exactly as the coordinator's two-round path does; with {@code sum_stats} every shard scores with
 * the sum. The query phases run in parallel on the executor; a shard still
 * running when {@code waitNanos} is up is answered as DEADLINE_EXCEEDED, so the caller can name it.
 * A failure of the statistics phase fails the whole request (summed statistics would be wrong).
 * Thread-safety: stateless apart from the executor; safe for concurrent use.
 */
public final class LocalSearch {
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

    /** One result per member, in member order. Throws when the query is invalid or a shard's statistics fail. */
    public List<LocalShardResult> search(List<Member> members, ShardQueryRequest query, boolean sumStats, long waitNanos,
                                         BeforeQuery before) throws Exception {
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
        List<CompletableFuture<LocalShardResult>> futures = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            ShardQueryRequest r = requests.get(i);
            futures.add(CompletableFuture.supplyAsync(() -> queryOne(m, r, parsed, before), executor));
        }
        List<LocalShardResult> out = new ArrayList<>(members.size());
        for (int i = 0; i < futures.size(); i++) {
            out.add(await(futures.get(i), members.get(i).shard(), until));
        }
        return out;
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

    private static LocalShardResult await(CompletableFuture<LocalShardResult> f, int shard, long untilNanos) throws InterruptedException {
        try {
            return f.get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return failed(shard, Status.DEADLINE_EXCEEDED.withDescription("shard " + shard + " did not answer before the deadline"));
        } catch (ExecutionException e) {
            return failed(shard, ShardErrors.toStatus(e.getCause()).getStatus());
        }
    }

    private static LocalShardResult failed(int shard, Status s) {
        return LocalShardResult.newBuilder().setShard(shard).setStatusCode(s.getCode().value())
                .setStatusMessage(s.getDescription() == null ? s.getCode().name() : s.getDescription()).build();
    }
}
