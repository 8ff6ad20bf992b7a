package dev.quarry.shard.index;

import dev.quarry.proto.v1.FieldStat;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.TermStat;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
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
 * query scores with, and the collection statistics of their fields. The per-segment term states
 * read on the way are kept ({@link Collected#states}), so that a query phase on the same searcher
 * need not look the terms up again ({@link PreparedQuery}).
 * Thread-safety: stateless.
 */
final class ScoringStatsCollector {
    private ScoringStatsCollector() {}

    /** A shard's statistics for one query, and the term states they were read from. */
    record Collected(ScoringStats stats, Map<Term, TermStates> states) {}

    static ScoringStats collect(IndexSearcher searcher, Query query) throws IOException {
        return collectRewritten(searcher, searcher.rewrite(query)).stats();
    }

    /** {@link #collect} for a query already rewritten on {@code searcher}. */
    static Collected collectRewritten(IndexSearcher searcher, Query rewritten) throws IOException {
        Set<Term> terms = new TreeSet<>();
        rewritten.visit(QueryVisitor.termCollector(terms));
        ScoringStats.Builder out = ScoringStats.newBuilder();
        Map<Term, TermStates> states = HashMap.newHashMap(terms.size());
        Set<String> fields = new TreeSet<>();
        for (Term t : terms) {
            TermStates ts = TermStates.build(searcher, t, true);
            states.put(t, ts);
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
        return new Collected(out.build(), states);
    }
}
