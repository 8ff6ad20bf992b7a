package dev.quarry.shard.index;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * The stored version of an id, for the version rules: writes applied since the last refresh are
 * held in memory; everything older is read from the current searcher (which, refreshed on the
 * apply thread, reflects exactly the writes before it). A tombstone older than the GC window,
 * measured in the log's own timestamps, counts as absent, so every replica decides alike no matter
 * when it physically purges tombstones.
 *
 * <p>Thread-safety: confined to the apply thread.
 */
final class VersionLookup {
    /** What is stored for an id: a live document or a tombstone. */
    record Stored(long version, boolean tombstone, long deletedAtMs) {}

    private final Map<String, Stored> sinceRefresh = new HashMap<>();
    private final SearcherManager searchers;
    private final long gcWindowMs;

    VersionLookup(SearcherManager searchers, long gcWindowMs) {
        this.searchers = searchers;
        this.gcWindowMs = gcWindowMs;
    }

    /** The version stored for {@code id} as seen by a write at log time {@code nowMs}, or -1 for none. */
    long versionOf(String id, long nowMs) throws IOException {
        Stored s = sinceRefresh.get(id);
        if (s == null) {
            s = fromIndex(id);
        }
        if (s == null || (s.tombstone() && s.deletedAtMs() < nowMs - gcWindowMs)) {
            return -1;
        }
        return s.version();
    }

    void record(String id, Stored stored) {
        sinceRefresh.put(id, stored);
    }

    /** The searcher now reflects every recorded write. */
    void refreshed() {
        sinceRefresh.clear();
    }

    private Stored fromIndex(String id) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            BytesRef term = new BytesRef(id);
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                Terms terms = leaf.reader().terms(FieldNames.ID);
                if (terms == null) {
                    continue;
                }
                TermsEnum te = terms.iterator();
                if (!te.seekExact(term)) {
                    continue;
                }
                Bits live = leaf.reader().getLiveDocs();
                PostingsEnum pe = te.postings(null, PostingsEnum.NONE);
                for (int doc = pe.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = pe.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        return new Stored(value(leaf, FieldNames.VERSION, doc), value(leaf, FieldNames.TOMBSTONE, doc) == 1,
                                value(leaf, FieldNames.DELETED_AT, doc));
                    }
                }
            }
            return null;
        } finally {
            searchers.release(s);
        }
    }

    private static long value(LeafReaderContext leaf, String field, int doc) throws IOException {
        NumericDocValues v = leaf.reader().getNumericDocValues(field);
        return v != null && v.advanceExact(doc) ? v.longValue() : 0;
    }
}
