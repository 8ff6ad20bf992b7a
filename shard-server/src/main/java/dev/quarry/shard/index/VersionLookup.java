package dev.quarry.shard.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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
 * The stored version of an id, for the version rules: writes applied since the last refresh
 * started are held in memory; everything older is read from the current searcher. A tombstone older
 * than the GC window, measured in the log's own timestamps, counts as absent, so every replica
 * decides alike no matter when it physically purges tombstones.
 *
 * <p>Refreshes run beside the apply thread, so the writes in memory come in two generations, as in
 * Elasticsearch's {@code LiveVersionMap}: {@link #beforeRefresh} moves {@code current} to {@code old}
 * just before a refresh starts; the refresh's searcher reflects exactly everything up to {@code old}
 * (the shard writer holds its apply gate until the reopen has cut over to new buffers), so
 * {@link #afterRefresh} drops {@code old} once that searcher is the current one (at the start of the
 * next batch or refresh: keeping {@code old} longer is harmless, a newer write of an id is in
 * {@code current}, which takes precedence). Writes applied while
 * the refresh runs land in the new {@code current} and stay until the next refresh has made them
 * visible. At any moment the searcher a lookup acquires is either the previous one (which misses at
 * most {@code old} and {@code current}) or the refreshed one (which misses at most {@code current}):
 * either way the maps hold every write the searcher may not show, and they take precedence.
 *
 * <p>Reading the searcher one id at a time costs a terms-dictionary seek per id and segment (a
 * quarter of the apply thread's CPU when measured). {@link #prefetch} instead looks up a whole
 * batch's ids in one pass per segment, in term order, so consecutive seeks share the blocks they
 * load; {@link #stored} then answers from memory.
 *
 * <p>Thread-safety: not thread-safe; every call must hold the writer's apply gate (the apply thread
 * holds it while it applies a batch, from {@link #afterRefresh} and {@link #prefetch} to the last {@link #record},
 * and lets a waiting refresh or commit in between two records, then prefetches the records left again;
 * the refresh thread holds it for {@link #afterRefresh} and {@link #beforeRefresh}), so the two generations and the
 * prefetched answers never change while one record is decided.
 */
final class VersionLookup {
    /** What is stored for an id: a live document or a tombstone. */
    record Stored(long version, boolean tombstone, long deletedAtMs) {}

    /** Marks an id the last prefetch found absent from the searcher. */
    private static final Stored ABSENT = new Stored(-1, false, 0);

    /** Writes since the last refresh started. */
    private Map<String, Stored> current = new HashMap<>();
    /** Writes before the refresh in progress started that the previous searcher may miss; empty between refreshes. */
    private Map<String, Stored> old = new HashMap<>();
    /** Searcher answers for the current batch's ids; only valid until the next refresh. */
    private final Map<String, Stored> prefetched = new HashMap<>();
    private final SearcherManager searchers;
    private final long gcWindowMs;

    VersionLookup(SearcherManager searchers, long gcWindowMs) {
        this.searchers = searchers;
        this.gcWindowMs = gcWindowMs;
    }

    /** The version stored for {@code id} as seen by a write at log time {@code nowMs}, or -1 for none. */
    long versionOf(String id, long nowMs) throws IOException {
        return effectiveVersion(stored(id), nowMs);
    }

    /** The version {@code s} counts for under the version rules at log time {@code nowMs}: -1 for none or an expired tombstone. */
    long effectiveVersion(Stored s, long nowMs) {
        if (s == null || (s.tombstone() && s.deletedAtMs() < nowMs - gcWindowMs)) {
            return -1;
        }
        return s.version();
    }

    /** What is stored for {@code id} (live document or tombstone, expired or not), or null when the index holds nothing for it. */
    Stored stored(String id) throws IOException {
        Stored s = current.get(id);
        if (s == null) {
            s = old.get(id);
        }
        if (s != null) {
            return s;
        }
        s = prefetched.get(id);
        if (s == null) {
            s = fromIndex(List.of(new BytesRef(id))).get(id);
        }
        return s == ABSENT ? null : s;
    }

    /** Looks up, in one pass per segment, the ids among {@code ids} not held in memory. */
    void prefetch(Collection<String> ids) throws IOException {
        prefetched.clear();
        List<BytesRef> terms = new ArrayList<>(ids.size());
        for (String id : ids) {
            if (!current.containsKey(id) && !old.containsKey(id) && !prefetched.containsKey(id)) {
                prefetched.put(id, ABSENT);
                terms.add(new BytesRef(id));
            }
        }
        terms.sort(Comparator.naturalOrder()); // the terms dictionary's order: each seek starts near the last
        prefetched.putAll(fromIndex(terms));
    }

    void record(String id, Stored stored) {
        current.put(id, stored);
    }

    /** A refresh is about to start: the writes recorded so far will be in its searcher. */
    void beforeRefresh() {
        if (old.isEmpty()) {
            Map<String, Stored> t = old;
            old = current;
            current = t;
        } else { // the last refresh failed: its writes are still unconfirmed, and current's are newer
            old.putAll(current);
            current.clear();
        }
    }

    /** The searcher {@link #beforeRefresh} announced is now the current one. */
    void afterRefresh() {
        old.clear();
        prefetched.clear();
    }

    /** For each of the sorted {@code terms}, its live document's stored version; ids without one are left out. */
    private Map<String, Stored> fromIndex(List<BytesRef> terms) throws IOException {
        Map<String, Stored> found = new HashMap<>();
        if (terms.isEmpty()) {
            return found;
        }
        IndexSearcher s = searchers.acquire();
        try {
            List<int[]> hits = new ArrayList<>(); // {doc, index in terms}, per leaf
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                Terms idTerms = leaf.reader().terms(FieldNames.ID);
                if (idTerms == null) {
                    continue;
                }
                hits.clear();
                TermsEnum te = idTerms.iterator();
                Bits live = leaf.reader().getLiveDocs();
                PostingsEnum pe = null;
                for (int i = 0; i < terms.size(); i++) {
                    if (!te.seekExact(terms.get(i))) {
                        continue;
                    }
                    pe = te.postings(pe, PostingsEnum.NONE);
                    for (int doc = pe.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = pe.nextDoc()) {
                        if (live == null || live.get(doc)) {
                            hits.add(new int[] {doc, i});
                        }
                    }
                }
                if (hits.isEmpty()) {
                    continue;
                }
                hits.sort(Comparator.comparingInt(h -> h[0])); // doc values iterate forward only
                NumericDocValues version = leaf.reader().getNumericDocValues(FieldNames.VERSION);
                NumericDocValues tombstone = leaf.reader().getNumericDocValues(FieldNames.TOMBSTONE);
                NumericDocValues deletedAt = leaf.reader().getNumericDocValues(FieldNames.DELETED_AT);
                for (int[] h : hits) {
                    found.put(terms.get(h[1]).utf8ToString(), new Stored(value(version, h[0], 0), value(tombstone, h[0], 0) == 1,
                            value(deletedAt, h[0], 0)));
                }
            }
            return found;
        } finally {
            searchers.release(s);
        }
    }

    private static long value(NumericDocValues v, int doc, long missing) throws IOException {
        return v != null && v.advanceExact(doc) ? v.longValue() : missing;
    }
}
