package dev.quarry.shard.index;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.ScoreDoc;

/**
 * Reads the id and source of each hit from doc values (a direct read per document), not from the
 * compressed stored fields (a block decompression per document, which dominated a query's CPU).
 * The id comes from its binary doc value ({@link FieldNames#ID_BYTES}), or by ordinal for documents
 * indexed before that existed. Documents indexed before the source had doc values fall back to the stored fields.
 * Thread-safety: stateless; one call reads one searcher's leaves.
 */
final class HitLoader {
    /** One loaded hit. */
    record Loaded(String id, String source) {}

    private HitLoader() {}

    static Loaded[] load(IndexReader reader, ScoreDoc[] hits, StoredFields stored) throws IOException {
        Integer[] byDoc = new Integer[hits.length];
        for (int i = 0; i < hits.length; i++) {
            byDoc[i] = i;
        }
        Arrays.sort(byDoc, (a, b) -> Integer.compare(hits[a].doc, hits[b].doc)); // doc values iterate forward only
        Loaded[] out = new Loaded[hits.length];
        List<LeafReaderContext> leaves = reader.leaves();
        int leafIndex = -1;
        BinaryDocValues sources = null;
        SortedDocValues ids = null;
        BinaryDocValues idBytes = null;
        LeafReaderContext leaf = null;
        for (int i : byDoc) {
            int doc = hits[i].doc;
            int li = ReaderUtil.subIndex(doc, leaves);
            if (li != leafIndex) {
                leafIndex = li;
                leaf = leaves.get(li);
                sources = leaf.reader().getBinaryDocValues(FieldNames.SOURCE);
                ids = leaf.reader().getSortedDocValues(FieldNames.ID);
                idBytes = leaf.reader().getBinaryDocValues(FieldNames.ID_BYTES);
            }
            int local = doc - leaf.docBase;
            String source = sources != null && sources.advanceExact(local) ? sources.binaryValue().utf8ToString() : null;
            String id = idBytes != null && idBytes.advanceExact(local) ? idBytes.binaryValue().utf8ToString()
                    : ids != null && ids.advanceExact(local) ? ids.lookupOrd(ids.ordValue()).utf8ToString() : null;
            if (source != null && id != null) {
                out[i] = new Loaded(id, source);
            } else {
                Document d = stored.document(doc);
                out[i] = new Loaded(d.get(FieldNames.ID), d.get(FieldNames.SOURCE));
            }
        }
        return out;
    }
}
