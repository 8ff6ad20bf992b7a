package dev.quarry.shard.index;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.BytesRef;

/**
 * Reads the source of each hit from doc values (a direct read per document), not from the
 * compressed stored fields (a block decompression per document, which dominated a query's CPU).
 * Documents indexed before the source had doc values fall back to the stored fields. A hit's id is
 * not read here: the sort's id tie-break ({@link IdSortField}) already carries it.
 * Thread-safety: stateless; one call reads one searcher's leaves.
 */
public final class HitLoader {
    private HitLoader() {}

    /**
     * The sources of {@code hits}, in their order, as UTF-8 bytes: an answer carries them as they
     * were indexed, never decoded to a string and encoded again.
     */
    public static ByteString[] sources(IndexReader reader, ScoreDoc[] hits, StoredFields stored) throws IOException {
        long[] byDoc = new long[hits.length]; // doc values iterate forward only: read in doc order, remember each hit's place
        for (int i = 0; i < hits.length; i++) {
            byDoc[i] = (long) hits[i].doc << 32 | i;
        }
        Arrays.sort(byDoc);
        ByteString[] out = new ByteString[hits.length];
        List<LeafReaderContext> leaves = reader.leaves();
        int leafIndex = -1;
        BinaryDocValues sources = null;
        LeafReaderContext leaf = null;
        for (long docAndPlace : byDoc) {
            int doc = (int) (docAndPlace >>> 32);
            int li = ReaderUtil.subIndex(doc, leaves);
            if (li != leafIndex) {
                leafIndex = li;
                leaf = leaves.get(li);
                sources = leaf.reader().getBinaryDocValues(FieldNames.SOURCE);
            }
            ByteString source;
            if (sources != null && sources.advanceExact(doc - leaf.docBase)) {
                BytesRef b = sources.binaryValue();
                source = ByteString.copyFrom(b.bytes, b.offset, b.length);
            } else {
                source = ByteString.copyFromUtf8(stored.document(doc).get(FieldNames.SOURCE));
            }
            out[(int) docAndPlace] = source;
        }
        return out;
    }
}
