package dev.quarry.shard.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.ingest.json.Json;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.TotalHitsRelation;
import dev.quarry.shard.error.ShardException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TotalHits;

/**
 * Read side of a shard replica: query (top-k by score desc, id asc), get by id, and the replica's
 * fingerprint. Every call acquires one searcher and releases it, so an answer reflects exactly one
 * point-in-time view. Thread-safety: safe for concurrent use; the searchers are managed by the
 * thread-safe {@link SearcherManager}, and the stats cache is an immutable value behind a volatile
 * field (two threads may compute the same stats once each; both results are equal).
 */
public final class ShardSearcher {
    /** A page deeper than this must use a cursor. */
    public static final int MAX_K = 10_000;

    private final SearcherManager searchers;
    private final PinnedSearchers pinned;
    private final QueryFactory queries;
    private final LongSupplier quietForMs;

    /** @param quietForMs how long, at least, the newest searcher stays the newest ({@link ShardWriter#quietForMs}) */
    public ShardSearcher(SearcherManager searchers, PinnedSearchers pinned, QueryFactory queries, LongSupplier quietForMs) {
        this.searchers = searchers;
        this.pinned = pinned;
        this.queries = queries;
        this.quietForMs = quietForMs;
    }

    /**
     * How long {@code p} stays this replica's newest searcher at least: 0 unless it is the newest now.
     * Read before the newest is checked, so that a refresh that ends in between cannot lend {@code p} the next one's time.
     */
    private long newestForMs(PinnedSearchers.Pinned p) {
        long quiet = quietForMs.getAsLong();
        return quiet > 0 && pinned.isNewest(p.version()) ? quiet : 0;
    }

    /**
     * Query phase on one searcher: the newest, or the pinned {@code searcher_version} (then
     * FAILED_PRECONDITION when it is no longer held), sorted by the request's sort with the id as the
     * final tie-break, starting after {@code search_after} for cursor pages.
     */
    public ShardQueryResponse query(ShardQueryRequest req) throws IOException {
        return query(req, parse(req));
    }

    /**
     * The request's query and filters as a Lucene query. Queries are immutable, so one parse can
     * serve several shards of the same index (same schema): see {@link #query(ShardQueryRequest, Query)}.
     */
    public Query parse(ShardQueryRequest req) {
        return queries.build(req.getQuery(), req.getFiltersList());
    }

    /** {@link #query(ShardQueryRequest)} with the request's query already parsed by {@link #parse}. */
    public ShardQueryResponse query(ShardQueryRequest req, Query q) throws IOException {
        Page page = page(req);
        if (req.getRequireNewest() && req.getSearcherVersion() != 0 && !pinned.isNewest(req.getSearcherVersion())) {
            throw new ShardException(ShardException.Kind.FAILED_PRECONDITION, "searcher version " + req.getSearcherVersion()
                    + " is no longer this replica's newest");
        }
        PinnedSearchers.Pinned p = acquire(req.getSearcherVersion());
        try {
            return run(req, page, p, q, req.hasGlobalStats() ? GlobalStats.of(req.getGlobalStats()) : null);
        } finally {
            pinned.release(p);
        }
    }

    /**
     * The newest searcher acquired, the query rewritten on it, this shard's statistics for it and the
     * term states read for them ({@link PreparedQuery}); the caller closes the result.
     */
    public PreparedQuery prepare(Query q) throws IOException {
        return prepare(q, false);
    }

    /** {@link #prepare(Query)} for a query {@link SharedRewrite} has already rewritten for every shard. */
    public PreparedQuery prepareRewritten(Query rewritten) throws IOException {
        return prepare(rewritten, true);
    }

    private PreparedQuery prepare(Query q, boolean isRewritten) throws IOException {
        PinnedSearchers.Pinned p = acquire(0);
        try {
            Query rewritten = isRewritten ? q : p.searcher().rewrite(q);
            ScoringStatsCollector.Collected c = ScoringStatsCollector.collectRewritten(p.searcher(), rewritten);
            return new PreparedQuery(pinned, p, PreparedQuery.withTermStates(rewritten, c.states()),
                    c.stats().toBuilder().setSearcherVersion(p.version()).build());
        } catch (IOException | RuntimeException | Error e) {
            pinned.release(p);
            throw e;
        }
    }

    /** The newest searcher acquired for {@code q} as it is, without statistics (LOCAL scoring); the caller closes the result. */
    public PreparedQuery open(Query q) {
        return new PreparedQuery(pinned, acquire(0), q, null);
    }

    /**
     * Query phase on a prepared query's searcher, scored with {@code global} (null: this shard's own
     * statistics). The request gives the page (k, sort, position, fields, lease); its query, version
     * and statistics are not read. Leaves closing {@code prepared} to the caller.
     */
    public ShardQueryResponse query(ShardQueryRequest req, PreparedQuery prepared, GlobalStats global) throws IOException {
        return run(req, page(req), prepared.pinned(), prepared.query(), global);
    }

    /** What a request asks of its page, checked before any searcher is acquired. */
    private record Page(int k, SortSpec sort, FieldDoc after, int threshold, Set<String> fields) {}

    private Page page(ShardQueryRequest req) {
        int k = req.getK() <= 0 ? 10 : req.getK();
        if (k > MAX_K) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "k must be at most " + MAX_K + "; use a cursor to page deeper");
        }
        SortSpec sort = SortSpec.of(req.getSortList(), queries.schema());
        FieldDoc after = sort.after(req.getSearchAfterList());
        int threshold = req.getTotalHitsThreshold() <= 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, req.getTotalHitsThreshold());
        Set<String> fields = req.getFieldsCount() == 0 ? null : new HashSet<>(req.getFieldsList());
        return new Page(k, sort, after, threshold, fields);
    }

    private ShardQueryResponse run(ShardQueryRequest req, Page page, PinnedSearchers.Pinned p, Query q, GlobalStats global) throws IOException {
        return rank(req, page, p, q, global).withSources(Integer.MAX_VALUE);
    }

    /**
     * {@link #query(ShardQueryRequest, PreparedQuery, GlobalStats)} without reading sources yet: the
     * caller reads those of the hits it keeps ({@link RankedPage#withSources}) before closing {@code prepared}.
     */
    public RankedPage rank(ShardQueryRequest req, PreparedQuery prepared, GlobalStats global) throws IOException {
        return rank(req, page(req), prepared.pinned(), prepared.query(), global);
    }

    private RankedPage rank(ShardQueryRequest req, Page page, PinnedSearchers.Pinned p, Query q, GlobalStats global) throws IOException {
        pinned.lease(p.version(), req.getLeaseMs());
        IndexSearcher acquired = p.searcher();
        IndexSearcher s = global != null ? new GlobalStatsSearcher(acquired.getIndexReader(), global) : acquired;
        TopDocs top = s.search(SmallSegmentScoring.wrap(q), new TopFieldCollectorManager(page.sort().sort(), page.k(), page.after(), page.threshold()));
        ShardQueryResponse header = ShardQueryResponse.newBuilder()
                .setTotalHits(top.totalHits.value())
                .setTotalHitsRelation(top.totalHits.relation() == TotalHits.Relation.EQUAL_TO ? TotalHitsRelation.EQ : TotalHitsRelation.GTE)
                .setCheckpoint(p.checkpoint().toProto())
                .setSearcherVersion(p.version())
                .setNewestForMs(newestForMs(p))
                .build();
        List<ShardHit> hits = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc sd : top.scoreDocs) {
            FieldDoc fd = (FieldDoc) sd;
            hits.add(ShardHit.newBuilder()
                    .setId(page.sort().id(fd))
                    .setScore(scoreOf(fd))
                    .addAllSortValues(page.sort().values(fd))
                    .build());
        }
        return new RankedPage(header, hits, top.scoreDocs, s.getIndexReader(), s.storedFields(), page.fields(), page.k());
    }

    /** This shard's statistics for the query's terms (phase one of GLOBAL scoring), with the searcher they came from. */
    public ScoringStats termStats(ShardQueryRequest req) throws IOException {
        return termStats(req, parse(req));
    }

    /** {@link #termStats(ShardQueryRequest)} with the request's query already parsed by {@link #parse}. */
    public ScoringStats termStats(ShardQueryRequest req, Query q) throws IOException {
        PinnedSearchers.Pinned p = acquire(req.getSearcherVersion());
        try {
            return ScoringStatsCollector.collect(p.searcher(), q).toBuilder().setSearcherVersion(p.version()).setNewestForMs(newestForMs(p)).build();
        } finally {
            pinned.release(p);
        }
    }

    private PinnedSearchers.Pinned acquire(long version) {
        PinnedSearchers.Pinned p = pinned.acquire(version);
        if (p == null) {
            throw new ShardException(ShardException.Kind.FAILED_PRECONDITION, "searcher version " + version
                    + " is no longer held by this replica (expired or replica restarted)");
        }
        return p;
    }

    public GetResponse get(String id) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            Query byId = new BooleanQuery.Builder()
                    .add(new TermQuery(new Term(FieldNames.ID, id)), BooleanClause.Occur.FILTER)
                    .add(QueryFactory.TOMBSTONES, BooleanClause.Occur.MUST_NOT)
                    .build();
            TopDocs top = s.search(byId, 1);
            if (top.scoreDocs.length == 0) {
                return GetResponse.newBuilder().setFound(false).build();
            }
            int doc = top.scoreDocs[0].doc;
            Document d = s.storedFields().document(doc);
            return GetResponse.newBuilder().setFound(true).setSourceJson(d.get(FieldNames.SOURCE)).setVersion(versionOf(s, doc)).build();
        } finally {
            searchers.release(s);
        }
    }

    /**
     * Live documents and fingerprint of the current searcher. The fingerprint reads every document,
     * so it is computed once per searcher (refresh) and cached.
     */
    public Stats stats(boolean withFingerprint) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            if (!withFingerprint) {
                return new Stats(s.getIndexReader().numDocs() - s.count(QueryFactory.TOMBSTONES), 0);
            }
            CachedStats cached = statsCache;
            if (cached != null && cached.reader() == s.getIndexReader()) {
                return cached.stats();
            }
            Stats fresh = new Stats(s.getIndexReader().numDocs() - s.count(QueryFactory.TOMBSTONES), Fingerprint.of(s));
            statsCache = new CachedStats(s.getIndexReader(), fresh);
            return fresh;
        } finally {
            searchers.release(s);
        }
    }

    private record CachedStats(org.apache.lucene.index.IndexReader reader, Stats stats) {}

    /** The stats of the last searcher they were computed for (a racy cache of immutable values). */
    private volatile CachedStats statsCache;

    /** With a sort on the score, Lucene leaves {@code ScoreDoc.score} unset and puts it in the sort values. */
    private static float scoreOf(FieldDoc fd) {
        for (Object v : fd.fields) {
            if (v instanceof Float f) {
                return f;
            }
        }
        return Float.isNaN(fd.score) ? 0f : fd.score;
    }

    /** Doc count and fingerprint of one searcher. */
    public record Stats(long docCount, long fingerprint) {}

    private static long versionOf(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        NumericDocValues v = leaf.reader().getNumericDocValues(FieldNames.VERSION);
        return v != null && v.advanceExact(doc - leaf.docBase) ? v.longValue() : 0;
    }

    static String filterSource(String source, Set<String> fields) throws IOException {
        if (fields == null) {
            return source;
        }
        JsonNode node = Json.parse(source);
        if (!(node instanceof ObjectNode obj)) {
            return source;
        }
        obj.retain(fields);
        return Json.write(obj);
    }
}
