package dev.quarry.coordinator.search;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.FanOut;
import dev.quarry.coordinator.fanout.ShardResult;
import dev.quarry.coordinator.merge.TopKMerger;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.proto.v1.Checkpoint;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.Scoring;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardFailure;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.TotalHitsRelation;
import io.grpc.Deadline;
import io.grpc.Status;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.proto.v1.WriteToken;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code SearchService/Search}: validates the request, fans out to one replica per shard, merges
 * the shard top-k lists by (score desc, id asc) and reports failed shards. With GLOBAL scoring
 * (the default) a first round gathers every shard's term statistics, and the shards score with
 * their sum, so the merged ranking equals that of one index holding all documents.
 * Thread-safety: stateless apart from its thread-safe collaborators.
 */
public final class SearchHandler {
    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 1000;
    /** Used when the client sets no deadline, so nothing waits forever. */
    private static final long DEFAULT_TIMEOUT_MS = 10_000;

    private final RoutingView routing;
    private final FanOut fanOut;

    public SearchHandler(RoutingView routing, FanOut fanOut) {
        this.routing = routing;
        this.fanOut = fanOut;
    }

    public SearchResponse search(SearchRequest req, Deadline clientDeadline) {
        long t0 = System.nanoTime();
        IndexRoute index = routing.require(req.getIndex());
        int k = req.getK() == 0 ? DEFAULT_K : req.getK();
        if (k < 1 || k > MAX_K) {
            throw CoordinatorException.invalid("k must be between 1 and " + MAX_K + " (got " + req.getK() + ")");
        }
        if (!req.getCursor().isEmpty()) {
            throw new CoordinatorException(CoordinatorException.Kind.UNIMPLEMENTED, "cursors are not supported yet");
        }
        Deadline deadline = clientDeadline != null ? clientDeadline : Deadline.after(DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ShardQueryRequest shardReq = ShardQueryRequest.newBuilder()
                .setQuery(req.getQuery())
                .setK(k)
                .addAllFields(req.getFieldsList())
                .addAllFilters(req.getFiltersList())
                .addAllSort(req.getSortList())
                .setTotalHitsThreshold(req.getTotalHitsThreshold())
                .build();
        if (req.getScoring() == Scoring.GLOBAL && index.shards().size() > 1) {
            shardReq = shardReq.toBuilder().setGlobalStats(globalStats(index, shardReq, deadline, req.getAllowPartial())).build();
        }
        ShardQueryRequest finalReq = shardReq;
        Map<Integer, Map<Integer, Long>> minOffsets = minOffsetsByShard(index, req.getMinTokensList());
        List<ShardResult<ShardQueryResponse>> results = fanOut.call(index, (stub, shard) -> stub.query(finalReq.toBuilder()
                .setIndex(index.name()).setShard(shard).putAllMinOffsets(minOffsets.getOrDefault(shard, Map.of())).build()), deadline);

        List<List<ShardHit>> lists = new ArrayList<>();
        SearchResponse.Builder out = SearchResponse.newBuilder();
        Checkpoint.Builder checkpoint = Checkpoint.newBuilder();
        long total = 0;
        boolean gte = false;
        for (ShardResult<ShardQueryResponse> r : results) {
            switch (r) {
                case ShardResult.Answer<ShardQueryResponse> a -> {
                    ShardQueryResponse resp = a.response();
                    lists.add(resp.getHitsList());
                    total += resp.getTotalHits();
                    gte |= resp.getTotalHitsRelation() == TotalHitsRelation.GTE;
                    checkpoint.putAllNextOffsets(resp.getCheckpoint().getNextOffsetsMap());
                }
                case ShardResult.Failure<ShardQueryResponse> f -> {
                    failOrRecord(f, index, req.getAllowPartial());
                    out.addShardFailures(ShardFailure.newBuilder().setShard(f.shard()).setNode(f.node()).setReason(f.reason()));
                }
            }
        }
        for (ShardHit h : TopKMerger.merge(lists, k)) {
            out.addHits(Hit.newBuilder().setId(h.getId()).setScore(h.getScore()).setSourceJson(h.getSourceJson()).addAllSortValues(h.getSortValuesList()));
        }
        return out.setTotalHits(total)
                .setTotalHitsRelation(gte ? TotalHitsRelation.GTE : TotalHitsRelation.EQ)
                .setCheckpoint(checkpoint)
                .setTookMicros((System.nanoTime() - t0) / 1000)
                .build();
    }

    /** Read-your-writes: per shard, per partition, the highest token offset its replica must reflect. */
    private static Map<Integer, Map<Integer, Long>> minOffsetsByShard(IndexRoute index, List<WriteToken> tokens) {
        Map<Integer, Map<Integer, Long>> out = new HashMap<>();
        for (WriteToken t : tokens) {
            if (t.getPartition() < 0 || t.getPartition() >= index.partitions() || t.getOffset() < 0) {
                throw CoordinatorException.invalid("token " + t.getPartition() + "@" + t.getOffset() + " does not belong to index '" + index.name() + "'");
            }
            for (ShardRoute s : index.shards()) {
                if (s.partitions().contains(t.getPartition())) {
                    out.computeIfAbsent(s.shard(), k -> new HashMap<>()).merge(t.getPartition(), t.getOffset(), Math::max);
                }
            }
        }
        return out;
    }

    /** Phase one of GLOBAL scoring: every shard's statistics for the query's terms, summed. */
    private ScoringStats globalStats(IndexRoute index, ShardQueryRequest shardReq, Deadline deadline, boolean allowPartial) {
        List<ShardResult<ScoringStats>> results = fanOut.call(index,
                (stub, shard) -> stub.termStats(shardReq.toBuilder().setIndex(index.name()).setShard(shard).build()), deadline);
        List<ScoringStats> stats = new ArrayList<>();
        for (ShardResult<ScoringStats> r : results) {
            switch (r) {
                case ShardResult.Answer<ScoringStats> a -> stats.add(a.response());
                case ShardResult.Failure<ScoringStats> f -> failOrRecord(f, index, allowPartial);
            }
        }
        return ScoringStatsSum.sum(stats);
    }

    /** A failed shard: the query's fault (INVALID_ARGUMENT) or, without allow_partial, the request's failure. */
    private static void failOrRecord(ShardResult.Failure<?> f, IndexRoute index, boolean allowPartial) {
        if (f.status().getCode() == Status.Code.INVALID_ARGUMENT) {
            throw CoordinatorException.invalid(f.status().getDescription());
        }
        if (!allowPartial) {
            throw new CoordinatorException(f.status().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? CoordinatorException.Kind.DEADLINE_EXCEEDED : CoordinatorException.Kind.UNAVAILABLE,
                    "shard " + f.shard() + " of index '" + index.name() + "' failed" + (f.node().isEmpty() ? "" : " on node " + f.node())
                            + " (" + f.reason() + "); retry, or set allow_partial to accept partial results");
        }
    }
}
