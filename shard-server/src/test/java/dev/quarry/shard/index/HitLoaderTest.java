package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/**
 * {@link HitLoader} returns each hit's id and source whichever way its document was written: with the
 * id's binary doc value, with only the sorted one (written before the binary one existed), or, in an
 * index without doc values, from stored fields; in the hits' order, not the documents'.
 */
class HitLoaderTest {
    @Test
    void readsIdsFromTheirBinaryDocValuesOrByOrdinal() throws Exception {
        assertLoads(i -> i % 2 == 0, true); // half the documents written before the id's binary doc value existed
    }

    @Test
    void readsDocumentsWithoutDocValuesFromStoredFields() throws Exception {
        assertLoads(i -> false, false);
    }

    private static void assertLoads(java.util.function.IntPredicate withIdBytes, boolean docValues) throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
                for (int i = 0; i < 30; i++) {
                    String id = "doc-" + i;
                    String source = "{\"n\":" + i + "}";
                    Document d = new Document();
                    d.add(new StringField(FieldNames.ID, id, Field.Store.YES));
                    d.add(new StoredField(FieldNames.SOURCE, source));
                    if (docValues) {
                        d.add(new SortedDocValuesField(FieldNames.ID, new BytesRef(id)));
                        d.add(new BinaryDocValuesField(FieldNames.SOURCE, new BytesRef(source)));
                    }
                    if (withIdBytes.test(i)) {
                        d.add(new BinaryDocValuesField(FieldNames.ID_BYTES, new BytesRef(id)));
                    }
                    w.addDocument(d);
                    if (i % 7 == 6) {
                        w.commit(); // several segments
                    }
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertThat(reader.leaves()).hasSizeGreaterThan(1);
                int[] docs = {29, 0, 14, 3, 27, 1, 2, 15, 8, 22};
                ScoreDoc[] hits = new ScoreDoc[docs.length];
                for (int i = 0; i < docs.length; i++) {
                    hits[i] = new ScoreDoc(docs[i], 1f);
                }
                HitLoader.Loaded[] loaded = HitLoader.load(reader, hits, reader.storedFields());
                for (int i = 0; i < docs.length; i++) {
                    assertThat(loaded[i]).isEqualTo(new HitLoader.Loaded("doc-" + docs[i], "{\"n\":" + docs[i] + "}"));
                }
            }
        }
    }
}
