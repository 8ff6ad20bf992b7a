package dev.quarry.coordinator.search;

import com.google.protobuf.ByteString;
import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.FanOut;
import dev.quarry.coordinator.fanout.ShardResult;
import dev.quarry.common.merge.TopKMerger;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.common.scoring.ScoringStatsSum;
import dev.quarry.coordinator.select.ReplicaStats;
import dev.quarry.proto.v1.Checkpoint;
import dev.quarry.proto.v1.CursorState;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.PinnedShard;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.Scoring;
import dev.quarry.proto.v1.ShardFailure;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.SnapshotMove;
import dev.quarry.proto.v1.SortValue;
import dev.quarry.proto.v1.TotalHitsRelation;
import dev.quarry.proto.v1.WriteToken;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code SearchService/Search}. Per shard one replica is chosen (C3, see {@link FanOut}) and its
 * searcher pinned by version, so both phases of a query, and every page of a cursor, read one
 * point-in-time view:
 * <ol>
 *   <li>GLOBAL scoring (the default) first needs each shard's term statistics; they are cached per
 *       (replica, searcher version, query), so a repeated query skips this round trip;</li>
 *   <li>the query phase runs with the summed statistics on the pinned searchers, from the cursor's
 *       position; the shard top-k lists are merged in the request's sort order (id last).</li>
 * </ol>
 * A page that may have more hits carries a signed cursor with the pins; the shards lease the pinned
 * searchers for {@code cursorKeepAlive}. When a pinned replica is gone, the shard continues on
 * another replica at an equal or newer checkpoint and the response lists the move.
 * A first page without read-your-writes tokens takes the colocated path when some node holds every
 * shard ({@link ColocatedSearch}: both phases and all shards in one call to that node, same ranking).
 * Identical concurrent requests share one execution through {@link ResultCache}.
 * Thread-safety: stateless apart from thread-safe collaborators.
 */
public final class SearchHandler {
    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 1000;
    /** Used when the client sets no deadline, so nothing waits forever. */
    private static final long DEFAULT_TIMEOUT_MS = 10_000;

    private final RoutingView routing;
    private final FanOut fanOut;
    private final CursorCodec cursors;
    private final ResultCache cache;
    private final StatsCache statsCache = new StatsCache();
    private final long cursorKeepAliveMs;
    /** The one-call path when a node holds every shard; null when switched off. */
    private final ColocatedSearch colocated;

    private final Timer latency;
    /** Searches run again because a guessed pin was outdated by a refresh the shard had not promised to wait for. */
    private final Counter stalePins;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    public SearchHandler(RoutingView routing, FanOut fanOut, CursorCodec cursors, ResultCache cache, long cursorKeepAliveMs, boolean colocated,
                         MeterRegistry metrics) {
        this.colocated = colocated ? new ColocatedSearch(fanOut) : null;
        this.latency = Timer.builder("quarry_coordinator_search_latency").description("Search calls, admitted to answered")
                .publishPercentiles(0.5, 0.95, 0.99).register(metrics);
        this.stalePins = Counter.builder("quarry_coordinator_stale_pins_total")
                .description("searches run again from fresh statistics: a guessed pin was no longer the replica's newest searcher").register(metrics);
        io.micrometer.core.instrument.Gauge.builder("quarry_coordinator_search_in_flight", inFlight, java.util.concurrent.atomic.AtomicInteger::get)
                .register(metrics);
        this.routing = routing;
        this.fanOut = fanOut;
        this.cursors = cursors;
        this.cache = cache;
        this.cursorKeepAliveMs = cursorKeepAliveMs;
    }

    public SearchResponse search(SearchRequest req, Deadline clientDeadline) {
        long t0 = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            return doSearch(req, clientDeadline, t0);
        } finally {
            inFlight.decrementAndGet();
            latency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    private SearchResponse doSearch(SearchRequest req, Deadline clientDeadline, long t0) {
        IndexRoute index = routing.require(req.getIndex());
        int k = req.getK() == 0 ? DEFAULT_K : req.getK();
        if (k < 1 || k > MAX_K) {
            throw CoordinatorException.invalid("k must be between 1 and " + MAX_K + " (got " + req.getK() + ")");
        }
        Deadline deadline = clientDeadline != null ? clientDeadline : Deadline.after(DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        CursorState cursor = req.getCursor().isEmpty() ? null : cursors.decode(req.getCursor(), req);
        Map<Integer, Map<Integer, Long>> minOffsets = minOffsetsByShard(index, req.getMinTokensList());
        SearchResponse resp;
        Deadline shards = leaveTimeToAnswer(deadline);
        if (cursor == null && minOffsets.isEmpty()) {
            resp = cache.get(req, index, deadline, () -> execute(req, index, k, shards, null, minOffsets));
        } else {
            resp = execute(req, index, k, shards, cursor, minOffsets);
        }
        return resp.toBuilder().setTookMicros((System.nanoTime() - t0) / 1000).build();
    }

    private SearchResponse execute(SearchRequest req, IndexRoute index, int k, Deadline deadline, CursorState cursor,
                                   Map<Integer, Map<Integer, Long>> minOffsets) {
        // guessing pins only pays off when it can save the statistics round of GLOBAL scoring
        boolean global = req.getScoring() == Scoring.GLOBAL && index.shards().size() > 1;
        if (colocated != null && cursor == null && minOffsets.isEmpty() && index.shards().size() > 1) {
            List<ShardResult<ShardQueryResponse>> results = colocated.run(index, template(req, index, k, null).build(), global, deadline);
            if (results != null) {
                return assemble(req, index, k, null, results, SearchResponse.newBuilder());
            }
        }
        try {
            return execute(req, index, k, deadline, cursor, minOffsets, global);
        } catch (StalePin e) {
            stalePins.increment();
            return execute(req, index, k, deadline, cursor, minOffsets, false);
        }
    }

    /** The shard request of a search, without shard, pin or statistics. */
    private ShardQueryRequest.Builder template(SearchRequest req, IndexRoute index, int k, CursorState cursor) {
        ShardQueryRequest.Builder base = ShardQueryRequest.newBuilder()
                .setIndex(index.name())
                .setQuery(req.getQuery())
                .setK(k)
                .addAllFields(req.getFieldsList())
                .addAllFilters(req.getFiltersList())
                .addAllSort(req.getSortList())
                .setTotalHitsThreshold(req.getTotalHitsThreshold())
                .setLeaseMs(cursorKeepAliveMs);
        if (cursor != null) {
            base.addAllSearchAfter(cursor.getAfterList());
        }
        return base;
    }

    private SearchResponse execute(SearchRequest req, IndexRoute index, int k, Deadline deadline, CursorState cursor,
                                   Map<Integer, Map<Integer, Long>> minOffsets, boolean guessPins) {
        SearchResponse.Builder out = SearchResponse.newBuilder();
        Map<Integer, ShardPlan> plans = initialPlans(index, cursor, minOffsets, guessPins);
        ShardQueryRequest.Builder base = template(req, index, k, cursor);
        if (req.getScoring() == Scoring.GLOBAL && index.shards().size() > 1) {
            base.setGlobalStats(globalStats(index, base.build(), plans, deadline, req.getAllowPartial(), out));
        }
        ShardQueryRequest template = base.build();
        List<ShardResult<ShardQueryResponse>> results = run(index, plans, deadline, out,
                (stub, shard, replica) -> stub.query(request(template, plans.get(shard), replica.nodeId())),
                r -> FanOut.Feedback.measured(r.getServiceMicros(), r.getQueueSize(), r.getSearcherVersion(), r.getNewestForMs()));
        return assemble(req, index, k, cursor, results, out);
    }

    /** The page from the shards' top-k lists: merged, with totals, checkpoint and the next cursor; failures recorded or thrown. */
    private SearchResponse assemble(SearchRequest req, IndexRoute index, int k, CursorState cursor, List<ShardResult<ShardQueryResponse>> results,
                                    SearchResponse.Builder out) {
        List<List<ShardHit>> lists = new ArrayList<>();
        Checkpoint.Builder checkpoint = Checkpoint.newBuilder();
        CursorState.Builder next = CursorState.newBuilder().setFormat(CursorCodec.FORMAT).setIndex(index.name())
                .setRequestHash(CursorCodec.requestHash(req)).setIssuedMs(System.currentTimeMillis());
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
                    cache.observe(index.name(), a.shard(), resp.getCheckpoint().getNextOffsetsMap());
                    next.addShards(PinnedShard.newBuilder().setShard(a.shard()).setNode(a.node())
                            .setSearcherVersion(resp.getSearcherVersion()).putAllNextOffsets(resp.getCheckpoint().getNextOffsetsMap()));
                }
                case ShardResult.Failure<ShardQueryResponse> f -> {
                    failOrRecord(f, index, req.getAllowPartial());
                    out.addShardFailures(ShardFailure.newBuilder().setShard(f.shard()).setNode(f.node()).setReason(f.reason()));
                }
            }
        }
        Comparator<ShardHit> order = TopKMerger.order(req.getSortList());
        List<ShardHit> page = TopKMerger.merge(lists, k, order);
        for (ShardHit h : page) {
            out.addHits(Hit.newBuilder().setId(h.getId()).setScore(h.getScore()).setSourceJsonBytes(h.getSourceJsonBytes()).addAllSortValues(h.getSortValuesList()));
        }
        long returned = (cursor == null ? 0 : cursor.getReturned()) + page.size();
        if (page.size() == k && (gte || returned < total) && out.getShardFailuresCount() == 0) {
            ShardHit last = page.get(page.size() - 1);
            next.addAllAfter(last.getSortValuesList()).addAfter(SortValue.newBuilder().setStringValue(last.getId()))
                    .setReturned(returned).setTotalHits(total);
            out.setNextCursor(cursors.encode(next.build()));
        }
        return out.setTotalHits(total)
                .setTotalHitsRelation(gte ? TotalHitsRelation.GTE : TotalHitsRelation.EQ)
                .setCheckpoint(checkpoint)
                .build();
    }

    /**
     * The shards get a slightly earlier deadline than the client, so that a late shard is reported
     * while the client still waits: named in shard_failures with allow_partial, or in the failed
     * call's status without it (instead of the client's own anonymous DEADLINE_EXCEEDED).
     */
    private static Deadline leaveTimeToAnswer(Deadline client) {
        long left = client.timeRemaining(TimeUnit.MICROSECONDS);
        long margin = Math.min(50_000, Math.max(2_000, left / 10));
        return client.offset(-margin, TimeUnit.MICROSECONDS);
    }

    /** Per shard: the cursor's pin (strict), or the best replica with its recently seen searcher version. */
    private Map<Integer, ShardPlan> initialPlans(IndexRoute index, CursorState cursor, Map<Integer, Map<Integer, Long>> minOffsets,
                                                 boolean guessPins) {
        Map<Integer, ShardPlan> plans = new HashMap<>();
        Map<Integer, PinnedShard> pins = new HashMap<>();
        if (cursor != null) {
            cursor.getShardsList().forEach(p -> pins.put(p.getShard(), p));
        }
        long now = System.nanoTime();
        for (ShardRoute s : index.shards()) {
            Map<Integer, Long> min = minOffsets.getOrDefault(s.shard(), Map.of());
            PinnedShard pin = pins.get(s.shard());
            if (pin != null) {
                Map<Integer, Long> covering = new HashMap<>(min);
                pin.getNextOffsetsMap().forEach((p, next) -> {
                    if (next > 0) {
                        covering.merge(p, next - 1, Math::max);
                    }
                });
                plans.put(s.shard(), new ShardPlan(s, pin.getNode(), pin.getSearcherVersion(), true, covering));
            } else if (!min.isEmpty() || s.replicas().isEmpty() || !guessPins) {
                plans.put(s.shard(), ShardPlan.free(s, min));
            } else {
                var best = fanOut.selector().rank(index.name(), s.shard(), s.replicas(), now).get(0);
                ReplicaStats st = fanOut.selector().stats(index.name(), s.shard(), best.nodeId());
                plans.put(s.shard(), ShardPlan.guessed(s, best.nodeId(), st.pinnableVersion(now)));
            }
        }
        return plans;
    }

    private static ShardQueryRequest request(ShardQueryRequest template, ShardPlan plan, String node) {
        ShardQueryRequest.Builder b = template.toBuilder().setShard(plan.shard()).setSearcherVersion(plan.versionFor(node))
                .setRequireNewest(plan.guessed() && plan.versionFor(node) != 0);
        if (plan.versionFor(node) == 0) {
            b.putAllMinOffsets(plan.minOffsets());
        }
        return b.build();
    }

    /**
     * Phase one of GLOBAL scoring: every shard's statistics for the query's terms, from the cache
     * when the pinned searcher's are known, summed. Pins each shard to the searcher its statistics came from.
     */
    private ScoringStats globalStats(IndexRoute index, ShardQueryRequest template, Map<Integer, ShardPlan> plans, Deadline deadline,
                                     boolean allowPartial, SearchResponse.Builder out) {
        ByteString queryKey = template.toBuilder().clearIndex().clearK().clearFields().clearSort().clearLeaseMs().clearSearchAfter()
                .clearTotalHitsThreshold().build().toByteString();
        List<ScoringStats> stats = new ArrayList<>();
        Map<Integer, ShardPlan> missing = new HashMap<>();
        for (ShardPlan p : plans.values()) {
            ScoringStats cached = p.node() == null ? null
                    : statsCache.get(new StatsCache.Key(p.node(), index.name(), p.shard(), p.version(), queryKey));
            if (cached != null) {
                stats.add(cached);
            } else {
                missing.put(p.shard(), p.guessed() ? p.pinned(p.node(), 0) : p); // fresh statistics come from the newest searcher
            }
        }
        if (!missing.isEmpty()) {
            List<ShardResult<ScoringStats>> results = run(index, missing, deadline, out,
                    (stub, shard, replica) -> stub.termStats(request(template, missing.get(shard), replica.nodeId())),
                    s -> FanOut.Feedback.versionOnly(s.getSearcherVersion(), s.getNewestForMs()));
            for (ShardResult<ScoringStats> r : results) {
                switch (r) {
                    case ShardResult.Answer<ScoringStats> a -> {
                        ScoringStats s = a.response();
                        stats.add(s);
                        statsCache.put(new StatsCache.Key(a.node(), index.name(), a.shard(), s.getSearcherVersion(), queryKey), s);
                        plans.put(a.shard(), missing.get(a.shard()).pinned(a.node(), s.getSearcherVersion()));
                    }
                    case ShardResult.Failure<ScoringStats> f -> failOrRecord(f, index, allowPartial);
                }
            }
        }
        return ScoringStatsSum.sum(stats);
    }

    /**
     * One phase over the planned shards. A strict (cursor) pin that fails is continued once on any
     * replica at the pinned checkpoint or newer, and the move is reported; the plan is updated.
     */
    private <T> List<ShardResult<T>> run(IndexRoute index, Map<Integer, ShardPlan> plans, Deadline deadline, SearchResponse.Builder out,
                                         FanOut.ShardCall<T> call, Function<T, FanOut.Feedback> feedback) {
        List<ShardPlan> ordered = plans.values().stream().sorted(Comparator.comparingInt(ShardPlan::shard)).toList();
        List<ShardResult<T>> results = new ArrayList<>(fanOut.call(index.name(), ordered.stream().map(ShardPlan::target).toList(), call, feedback, deadline));
        for (int i = 0; i < results.size(); i++) {
            ShardPlan p = ordered.get(i);
            if (results.get(i) instanceof ShardResult.Failure<T> f && !p.strict() && p.version() != 0
                    && f.status().getCode() == Status.Code.FAILED_PRECONDITION) {
                if (p.guessed()) {
                    throw new StalePin(); // the replica refreshed since: run the search again from fresh statistics
                }
                // the pinned searcher expired or the replica restarted: ask again for its newest one
                ShardPlan unpinned = p.pinned(p.node(), 0);
                plans.put(p.shard(), unpinned);
                results.set(i, fanOut.call(index.name(), List.of(unpinned.target()), call, feedback, deadline).get(0));
                continue;
            }
            if (results.get(i) instanceof ShardResult.Failure<T> f && p.strict() && movable(f.status())) {
                ShardPlan moved = ShardPlan.free(p.route(), p.minOffsets());
                plans.put(p.shard(), moved);
                ShardResult<T> retry = fanOut.call(index.name(), List.of(moved.target()), call, feedback, deadline).get(0);
                if (retry instanceof ShardResult.Answer<T> a) {
                    out.addSnapshotMoves(SnapshotMove.newBuilder().setShard(p.shard()).setFromNode(p.node()).setToNode(a.node())
                            .setReason(f.reason()));
                    plans.put(p.shard(), moved.pinned(a.node(), 0));
                }
                results.set(i, retry);
            }
        }
        return results;
    }

    /** A guessed pin was no longer the replica's newest searcher. */
    private static final class StalePin extends RuntimeException {
        StalePin() {
            super(null, null, false, false);
        }
    }

    private static boolean movable(Status s) {
        return switch (s.getCode()) {
            case UNAVAILABLE, FAILED_PRECONDITION, NOT_FOUND, INTERNAL, UNKNOWN -> true;
            default -> false;
        };
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
