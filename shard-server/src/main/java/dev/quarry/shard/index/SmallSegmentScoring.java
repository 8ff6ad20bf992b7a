package dev.quarry.shard.index;

import java.io.IOException;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.FilterWeight;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * A query whose hits are scored one document at a time on segments where it matches few postings.
 *
 * <p>For a disjunction whose hits are all counted (Quarry's default, exact {@code total_hits}),
 * Lucene scores every segment with its window scorer ({@code BooleanScorer}). Setting that up
 * allocates 4,096 buckets, whatever the segment's size: 23% of Lucene's CPU in a search over four
 * 5,000-document shards, against one search over a 20,000-document index, which pays it once.
 * On a segment where the query's clauses hold fewer than {@link #DEFAULT_MAX_COST} postings in all,
 * this wrapper scores with the query's ordinary scorer instead (the one Lucene uses inside larger
 * queries): same hits, same count, same scores, since both sum the clauses' scores as doubles.
 * Above it the window scorer is faster per posting and is kept. The threshold was measured on the
 * npm corpus (Lucene alone, one thread): 8,192 and 16,384 both made the sample's four shards and
 * the whole corpus cheaper; 65,536, or no threshold, made the whole corpus dearer.
 *
 * <p>Only searches that score every hit ({@link ScoreMode#COMPLETE}) are affected, and only the way
 * the top-level query walks a segment changes; its weight, statistics, matches and
 * explanations are the wrapped query's. Thread-safety: immutable.
 */
public final class SmallSegmentScoring extends Query {
    /** The sum of the clauses' postings in a segment below which it is scored document at a time. */
    public static final long DEFAULT_MAX_COST = 8_192;

    private final Query in;
    private final long maxCost;

    private SmallSegmentScoring(Query in, long maxCost) {
        this.in = in;
        this.maxCost = maxCost;
    }

    /** {@code q} scored document at a time on segments where it matches fewer than {@link #DEFAULT_MAX_COST} postings. */
    public static Query wrap(Query q) {
        return wrap(q, DEFAULT_MAX_COST);
    }

    /** {@code q} scored document at a time on segments where it matches fewer than {@code maxCost} postings. */
    static Query wrap(Query q, long maxCost) {
        return new SmallSegmentScoring(q, maxCost);
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Query rewritten = in.rewrite(searcher);
        return rewritten == in ? this : new SmallSegmentScoring(rewritten, maxCost);
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        Weight weight = in.createWeight(searcher, scoreMode, boost);
        // when hits may be skipped (a total_hits_threshold), Lucene's top-score scorers are kept whatever the size
        return scoreMode == ScoreMode.COMPLETE ? new SegmentWalk(this, weight, maxCost) : weight;
    }

    /** The wrapped query's weight, with a segment's scorers supplied document at a time below the cost. */
    private static final class SegmentWalk extends FilterWeight {
        private final long maxCost;

        SegmentWalk(Query query, Weight in, long maxCost) {
            super(query, in);
            this.maxCost = maxCost;
        }

        @Override
        public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
            ScorerSupplier supplier = in.scorerSupplier(context);
            return supplier == null || supplier.cost() >= maxCost ? supplier : new DocumentAtATime(supplier);
        }

        /** A segment's scorers as Lucene supplies them, except that bulk scoring walks the ordinary scorer. */
        private static final class DocumentAtATime extends ScorerSupplier {
            private final ScorerSupplier in;

            DocumentAtATime(ScorerSupplier in) {
                this.in = in;
            }

            @Override
            public Scorer get(long leadCost) throws IOException {
                return in.get(leadCost);
            }

            @Override
            public BulkScorer bulkScorer() throws IOException {
                return new DefaultBulkScorer(in.get(Long.MAX_VALUE));
            }

            @Override
            public long cost() {
                return in.cost();
            }

            @Override
            public void setTopLevelScoringClause() throws IOException {
                in.setTopLevelScoringClause();
            }
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        in.visit(visitor);
    }

    @Override
    public String toString(String field) {
        return in.toString(field);
    }

    @Override
    public boolean equals(Object other) {
        return sameClassAs(other) && in.equals(((SmallSegmentScoring) other).in) && maxCost == ((SmallSegmentScoring) other).maxCost;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * classHash() + in.hashCode()) + Long.hashCode(maxCost);
    }
}
