package dev.quarry.shard.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.StringHelper;

/**
 * An order-independent hash of a replica's live (id, version) set (tombstones excluded): the sum, modulo 2^64, of a
 * 64-bit hash of each pair. Two replicas with the same documents at the same versions have the same
 * fingerprint however their segments differ. (The same function must be used by any oracle.)
 */
public final class Fingerprint {
    private Fingerprint() {}

    /** Hash of one (id, version) pair. */
    public static long of(String id, long version) {
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        return pairHash(b, 0, b.length, version);
    }

    private static long pairHash(byte[] bytes, int off, int len, long version) {
        long h = StringHelper.murmurhash3_x86_32(bytes, off, len, 0x9747b28c) & 0xffffffffL;
        h = (h << 32) | (StringHelper.murmurhash3_x86_32(bytes, off, len, 0x5bd1e995) & 0xffffffffL);
        return mix(h ^ mix(version + 0x9E3779B97F4A7C15L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The fingerprint of everything live in {@code searcher}. */
    public static long of(IndexSearcher searcher) throws IOException {
        long sum = 0;
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            SortedDocValues ids = leaf.reader().getSortedDocValues(FieldNames.ID);
            NumericDocValues versions = leaf.reader().getNumericDocValues(FieldNames.VERSION);
            if (ids == null || versions == null) {
                continue;
            }
            NumericDocValues tombstones = leaf.reader().getNumericDocValues(FieldNames.TOMBSTONE);
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = ids.nextDoc(); doc != SortedDocValues.NO_MORE_DOCS; doc = ids.nextDoc()) {
                if ((live != null && !live.get(doc)) || (tombstones != null && tombstones.advanceExact(doc) && tombstones.longValue() == 1)) {
                    continue;
                }
                BytesRef id = ids.lookupOrd(ids.ordValue());
                long version = versions.advanceExact(doc) ? versions.longValue() : 0;
                sum += pairHash(id.bytes, id.offset, id.length, version);
            }
        }
        return sum;
    }

    public static String hex(long fingerprint) {
        return String.format("%016x", fingerprint);
    }
}
