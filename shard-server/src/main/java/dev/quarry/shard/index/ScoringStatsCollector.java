package dev.quarry.shard.index;

import dev.quarry.proto.v1.FieldStat;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.TermStat;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;

/**
 * Phase one of GLOBAL scoring on one shard: the document frequency of every term the rewritten
 * query scores with, and the collection statistics of their fields.
 */
final class ScoringStatsCollector {
    private ScoringStatsCollector() {}

    static ScoringStats collect(IndexSearcher searcher, Query query) throws IOException {
        Set<Term> terms = new TreeSet<>();
        searcher.rewrite(query).visit(QueryVisitor.termCollector(terms));
        ScoringStats.Builder out = ScoringStats.newBuilder();
        Set<String> fields = new TreeSet<>();
        for (Term t : terms) {
            TermStates ts = TermStates.build(searcher, t, true);
            out.addTerms(TermStat.newBuilder().setField(t.field()).setTerm(GlobalStatsSearcher.bytes(t))
                    .setDocFreq(ts.docFreq()).setTotalTermFreq(ts.totalTermFreq()));
            fields.add(t.field());
        }
        for (String f : fields) {
            CollectionStatistics cs = searcher.collectionStatistics(f);
            FieldStat.Builder fs = FieldStat.newBuilder().setField(f).setMaxDoc(searcher.getIndexReader().maxDoc());
            if (cs != null) {
                fs.setMaxDoc(cs.maxDoc()).setDocCount(cs.docCount()).setSumTotalTermFreq(cs.sumTotalTermFreq()).setSumDocFreq(cs.sumDocFreq());
            }
            out.addFields(fs);
        }
        return out.build();
    }
}
