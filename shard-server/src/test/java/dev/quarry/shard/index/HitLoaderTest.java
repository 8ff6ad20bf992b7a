package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/**
 * {@link HitLoader} returns each hit's source from its doc value, or, in an index written before
 * sources had doc values, from stored fields; in the hits' order, not the documents', across segments.
 */
class HitLoaderTest {
    @Test
    void readsSourcesFromDocValues() throws Exception {
        assertLoads(true);
    }

    @Test
    void readsSourcesWithoutDocValuesFromStoredFields() throws Exception {
        assertLoads(false);
    }

    private static void assertLoads(boolean docValues) throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
                for (int i = 0; i < 30; i++) {
                    String source = "{\"n\":" + i + "}";
                    Document d = new Document();
                    d.add(new StoredField(FieldNames.SOURCE, docValues ? "stale" : source)); // doc values win when present
                    if (docValues) {
                        d.add(new BinaryDocValuesField(FieldNames.SOURCE, new BytesRef(source)));
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
                com.google.protobuf.ByteString[] sources = HitLoader.sources(reader, hits, reader.storedFields());
                for (int i = 0; i < docs.length; i++) {
                    assertThat(sources[i].toStringUtf8()).isEqualTo("{\"n\":" + docs[i] + "}");
                }
            }
        }
    }
}
