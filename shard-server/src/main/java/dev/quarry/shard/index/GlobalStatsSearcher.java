package dev.quarry.shard.index;

import com.google.protobuf.ByteString;
import dev.quarry.proto.v1.FieldStat;
import dev.quarry.proto.v1.TermStat;
import java.io.IOException;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermStatistics;

/**
 * An {@link IndexSearcher} that scores with statistics summed over all shards instead of this
 * shard's own, so that BM25 idf and average field length, and therefore every score, equal those
 * of one index holding all the documents. Terms or fields the statistics do not name fall back
 * to the local values. Thread-safety: immutable after construction, like any IndexSearcher.
 */
final class GlobalStatsSearcher extends IndexSearcher {
    private final GlobalStats stats;

    GlobalStatsSearcher(IndexReader reader, GlobalStats stats) {
        super(reader);
        this.stats = stats;
    }

    @Override
    public TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq) throws IOException {
        TermStat g = stats.term(term);
        if (g == null || g.getDocFreq() <= 0) {
            return super.termStatistics(term, docFreq, totalTermFreq);
        }
        return new TermStatistics(term.bytes(), g.getDocFreq(), Math.max(g.getTotalTermFreq(), g.getDocFreq()));
    }

    @Override
    public CollectionStatistics collectionStatistics(String field) throws IOException {
        FieldStat g = stats.field(field);
        if (g == null || g.getDocCount() <= 0) {
            return super.collectionStatistics(field);
        }
        return new CollectionStatistics(field, g.getMaxDoc(), g.getDocCount(), g.getSumTotalTermFreq(), g.getSumDocFreq());
    }

    static ByteString bytes(Term t) {
        return ByteString.copyFrom(t.bytes().bytes, t.bytes().offset, t.bytes().length);
    }
}
