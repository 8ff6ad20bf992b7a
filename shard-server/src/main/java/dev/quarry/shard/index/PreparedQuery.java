package dev.quarry.shard.index;

import dev.quarry.proto.v1.ScoringStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * A query made ready on one acquired searcher of a shard ({@link ShardSearcher#prepare}; {@link
 * ShardSearcher#open} only acquires the searcher, for LOCAL scoring): rewritten
 * once, with this shard's statistics read and the per-segment term states kept in its term queries,
 * so that the query phase on the same searcher ({@link ShardSearcher#query(dev.quarry.proto.v1.ShardQueryRequest,
 * PreparedQuery, GlobalStats)}) neither rewrites nor looks the terms up again: the statistics phase
 * and the query phase of one search each did both, on every segment of every shard.
 * Holds the searcher until {@link #close} (exactly once gives it back; later calls do nothing).
 * Thread-safety: the query and statistics are immutable; close may be called from any thread.
 */
public final class PreparedQuery implements AutoCloseable {
    private final PinnedSearchers pins;
    private final PinnedSearchers.Pinned pinned;
    private final Query query;
    private final ScoringStats stats;
    private final AtomicBoolean closed = new AtomicBoolean();

    PreparedQuery(PinnedSearchers pins, PinnedSearchers.Pinned pinned, Query query, ScoringStats stats) {
        this.pins = pins;
        this.pinned = pinned;
        this.query = query;
        this.stats = stats;
    }

    /** This shard's statistics for the query, with the version of the searcher they were read from; null when opened without. */
    public ScoringStats stats() {
        return stats;
    }

    PinnedSearchers.Pinned pinned() {
        return pinned;
    }

    Query query() {
        return query;
    }

    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            pins.release(pinned);
        }
    }

    /**
     * {@code q} with every term query (inside boolean and boost queries) carrying the term states
     * already built for it; other queries are kept as they are and look their terms up themselves.
     */
    static Query withTermStates(Query q, Map<Term, TermStates> states) {
        return switch (q) {
            case TermQuery t when t.getTermStates() == null && states.containsKey(t.getTerm()) -> new TermQuery(t.getTerm(), states.get(t.getTerm()));
            case BoostQuery b -> {
                Query inner = withTermStates(b.getQuery(), states);
                yield inner == b.getQuery() ? b : new BoostQuery(inner, b.getBoost());
            }
            case BooleanQuery b -> {
                List<BooleanClause> clauses = new ArrayList<>(b.clauses().size());
                boolean changed = false;
                for (BooleanClause c : b.clauses()) {
                    Query inner = withTermStates(c.query(), states);
                    changed |= inner != c.query();
                    clauses.add(inner == c.query() ? c : new BooleanClause(inner, c.occur()));
                }
                if (!changed) {
                    yield b;
                }
                BooleanQuery.Builder out = new BooleanQuery.Builder().setMinimumNumberShouldMatch(b.getMinimumNumberShouldMatch());
                clauses.forEach(out::add);
                yield out.build();
            }
            default -> q;
        };
    }
}
