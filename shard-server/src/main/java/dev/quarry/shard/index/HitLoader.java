package dev.quarry.shard.index;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.ScoreDoc;

/**
 * Reads the source of each hit from doc values (a direct read per document), not from the
 * compressed stored fields (a block decompression per document, which dominated a query's CPU).
 * Documents indexed before the source had doc values fall back to the stored fields. A hit's id is
 * not read here: the sort's id tie-break ({@link IdSortField}) already carries it.
 * Thread-safety: stateless; one call reads one searcher's leaves.
 */
public final class HitLoader {
    private HitLoader() {}

    /** The sources of {@code hits}, in their order. */
    public static String[] sources(IndexReader reader, ScoreDoc[] hits, StoredFields stored) throws IOException {
        Integer[] byDoc = new Integer[hits.length];
        for (int i = 0; i < hits.length; i++) {
            byDoc[i] = i;
        }
        Arrays.sort(byDoc, (a, b) -> Integer.compare(hits[a].doc, hits[b].doc)); // doc values iterate forward only
        String[] out = new String[hits.length];
        List<LeafReaderContext> leaves = reader.leaves();
        int leafIndex = -1;
        BinaryDocValues sources = null;
        LeafReaderContext leaf = null;
        for (int i : byDoc) {
            int doc = hits[i].doc;
            int li = ReaderUtil.subIndex(doc, leaves);
            if (li != leafIndex) {
                leafIndex = li;
                leaf = leaves.get(li);
                sources = leaf.reader().getBinaryDocValues(FieldNames.SOURCE);
            }
            out[i] = sources != null && sources.advanceExact(doc - leaf.docBase) ? sources.binaryValue().utf8ToString()
                    : stored.document(doc).get(FieldNames.SOURCE);
        }
        return out;
    }
}
