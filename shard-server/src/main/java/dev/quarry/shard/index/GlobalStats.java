package dev.quarry.shard.index;

import dev.quarry.proto.v1.FieldStat;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.TermStat;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.Term;
import org.apache.lucene.util.BytesRef;

/**
 * Statistics summed over all shards, indexed for the scorer's look-ups ({@link GlobalStatsSearcher}).
 * Built once per search and shared by the shards of that search that score with it.
 * Thread-safety: immutable after construction.
 */
public final class GlobalStats {
    private final Map<Term, TermStat> terms;
    private final Map<String, FieldStat> fields;

    private GlobalStats(Map<Term, TermStat> terms, Map<String, FieldStat> fields) {
        this.terms = terms;
        this.fields = fields;
    }

    public static GlobalStats of(ScoringStats stats) {
        Map<Term, TermStat> terms = HashMap.newHashMap(stats.getTermsCount());
        for (TermStat t : stats.getTermsList()) {
            terms.put(new Term(t.getField(), new BytesRef(t.getTerm().toByteArray())), t);
        }
        Map<String, FieldStat> fields = HashMap.newHashMap(stats.getFieldsCount());
        for (FieldStat f : stats.getFieldsList()) {
            fields.put(f.getField(), f);
        }
        return new GlobalStats(terms, fields);
    }

    /** The term's summed statistics, or null when they do not name it. */
    TermStat term(Term t) {
        return terms.get(t);
    }

    /** The field's summed statistics, or null when they do not name it. */
    FieldStat field(String f) {
        return fields.get(f);
    }
}
