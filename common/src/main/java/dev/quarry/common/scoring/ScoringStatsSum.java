package dev.quarry.common.scoring;

import com.google.protobuf.ByteString;
import dev.quarry.proto.v1.FieldStat;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.TermStat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums per-shard scoring statistics into the statistics of one index holding every shard's
 * documents: document frequencies, term frequencies, document counts and lengths all add up,
 * because every document lives on exactly one shard. Thread-safety: stateless.
 */
public final class ScoringStatsSum {
    private ScoringStatsSum() {}

    private record TermKey(String field, ByteString term) {}

    public static ScoringStats sum(List<ScoringStats> perShard) {
        Map<TermKey, TermStat.Builder> terms = new java.util.LinkedHashMap<>();
        Map<String, FieldStat.Builder> fields = new TreeMap<>();
        for (ScoringStats s : perShard) {
            for (TermStat t : s.getTermsList()) {
                terms.merge(new TermKey(t.getField(), t.getTerm()), t.toBuilder(), (a, b) -> a
                        .setDocFreq(a.getDocFreq() + b.getDocFreq())
                        .setTotalTermFreq(a.getTotalTermFreq() + b.getTotalTermFreq()));
            }
            for (FieldStat f : s.getFieldsList()) {
                fields.merge(f.getField(), f.toBuilder(), (a, b) -> a
                        .setMaxDoc(a.getMaxDoc() + b.getMaxDoc())
                        .setDocCount(a.getDocCount() + b.getDocCount())
                        .setSumTotalTermFreq(a.getSumTotalTermFreq() + b.getSumTotalTermFreq())
                        .setSumDocFreq(a.getSumDocFreq() + b.getSumDocFreq()));
            }
        }
        ScoringStats.Builder out = ScoringStats.newBuilder();
        terms.values().forEach(out::addTerms);
        fields.values().forEach(out::addFields);
        return out.build();
    }
}
