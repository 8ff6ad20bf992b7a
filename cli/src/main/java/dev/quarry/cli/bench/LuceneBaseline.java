package dev.quarry.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.ingest.json.Json;
import java.io.IOException;
import java.util.List;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * The baseline every search benchmark is measured against: one in-process Lucene index holding all
 * documents, queried with the same semantics Quarry promises (MultiFieldQueryParser over name and
 * description, StandardAnalyzer, BM25, ties by id), counting total hits as the request asks (exactly,
 * Quarry's default, or up to a threshold) and returning the stored sources, as Quarry does.
 * Thread-safety: queries may run concurrently (a parser per call).
 */
public final class LuceneBaseline implements AutoCloseable {
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private static final Sort SORT = new Sort(SortField.FIELD_SCORE, new SortField("id", SortField.Type.STRING));

    public LuceneBaseline(List<String> jsonLines) throws IOException {
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
            for (String line : jsonLines) {
                JsonNode n = Json.parse(line);
                Document d = new Document();
                String id = n.get("id").asText();
                d.add(new StringField("id", id, Field.Store.YES));
                d.add(new SortedDocValuesField("id", new BytesRef(id)));
                d.add(new TextField("name", n.path("name").asText(""), Field.Store.NO));
                d.add(new TextField("description", n.path("description").asText(""), Field.Store.NO));
                d.add(new StoredField("_source", line));
                w.addDocument(d);
            }
            w.forceMerge(1);
        }
        reader = DirectoryReader.open(dir);
        searcher = new IndexSearcher(reader);
    }

    /**
     * Top-k, reading each hit's stored source as Quarry's fetch does; total hits counted exactly when
     * {@code totalHitsThreshold} is 0 (as a Quarry request with {@code total_hits_threshold} 0), else up to it.
     */
    public int search(String query, int k, long totalHitsThreshold) throws Exception {
        MultiFieldQueryParser p = new MultiFieldQueryParser(new String[] {"name", "description"}, new StandardAnalyzer());
        p.setDefaultOperator(QueryParser.Operator.OR);
        int threshold = totalHitsThreshold <= 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, totalHitsThreshold);
        TopDocs top = searcher.search(p.parse(query), new TopFieldCollectorManager(SORT, k, null, threshold));
        int bytes = 0;
        for (ScoreDoc sd : top.scoreDocs) {
            bytes += searcher.storedFields().document(sd.doc).get("_source").length();
        }
        return bytes;
    }

    @Override
    public void close() throws IOException {
        reader.close();
        dir.close();
    }
}
