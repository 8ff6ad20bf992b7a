package dev.quarry.cli.bench;

import dev.quarry.common.io.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.ingest.json.Json;
import dev.quarry.shard.index.FieldNames;
import dev.quarry.shard.index.HitLoader;
import dev.quarry.shard.index.SmallSegmentScoring;
import dev.quarry.shard.index.SortSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.BinaryDocValuesField;
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
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.UnicodeUtil;

/**
 * The baseline every search benchmark is measured against: one Lucene index holding all
 * documents, on files (memory-mapped, as Quarry's shards), merged to one segment, queried with the
 * same semantics Quarry promises (MultiFieldQueryParser over name and description, StandardAnalyzer,
 * BM25, ties by id), counting total hits as the request asks (exactly, Quarry's default, or up to a
 * threshold) and returning each hit's source, as Quarry does. Two ways:
 * <ul>
 *   <li>{@link #search}, stock Lucene: the id tie-break is Lucene's string sort, sources come from
 *       stored fields;</li>
 *   <li>{@link #searchTuned}, with Quarry's own per-hit reads (the shards' sort and {@link HitLoader}):
 *       the id tie-break by ordinal, ids and sources from binary doc values, small segments scored
 *       document at a time ({@link SmallSegmentScoring}). Against this one, the ratio
 *       measures what distribution costs, not what Quarry's per-hit reads save.</li>
 * </ul>
 * Thread-safety: queries may run concurrently (a parser per call).
 */
public final class LuceneBaseline implements AutoCloseable {
    private static final Sort STOCK = new Sort(SortField.FIELD_SCORE, new SortField(FieldNames.ID, SortField.Type.STRING));
    /** The sort of Quarry's shards for a search by relevance: score, then the id by ordinal. */
    private static final Sort TUNED = SortSpec.SCORE_THEN_ID.sort();

    private final Path path;
    private final Directory dir;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;

    public LuceneBaseline(List<String> jsonLines) throws IOException {
        path = Files.createTempDirectory("quarry-bench-lucene");
        dir = FSDirectory.open(path);
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
            for (String line : jsonLines) {
                JsonNode n = Json.parse(line);
                Document d = new Document();
                String id = n.get("id").asText();
                d.add(new StringField(FieldNames.ID, id, Field.Store.YES));
                d.add(new SortedDocValuesField(FieldNames.ID, new BytesRef(id)));
                d.add(new BinaryDocValuesField(FieldNames.ID_BYTES, new BytesRef(id)));
                d.add(new TextField("name", n.path("name").asText(""), Field.Store.NO));
                d.add(new TextField("description", n.path("description").asText(""), Field.Store.NO));
                d.add(new StoredField(FieldNames.SOURCE, line));
                d.add(new BinaryDocValuesField(FieldNames.SOURCE, new BytesRef(line)));
                w.addDocument(d);
            }
            w.forceMerge(1);
        }
        reader = DirectoryReader.open(dir);
        searcher = new IndexSearcher(reader);
    }

    /**
     * Top-k, stock Lucene: sources read from stored fields. Total hits counted exactly when
     * {@code totalHitsThreshold} is 0 (as a Quarry request with {@code total_hits_threshold} 0), else up to it.
     */
    public Page search(String query, int k, long totalHitsThreshold) throws Exception {
        TopDocs top = searcher.search(parse(query), new TopFieldCollectorManager(STOCK, k, null, threshold(totalHitsThreshold)));
        List<String> ids = new ArrayList<>(top.scoreDocs.length);
        int bytes = 0;
        for (ScoreDoc sd : top.scoreDocs) {
            Document d = searcher.storedFields().document(sd.doc);
            ids.add(d.get(FieldNames.ID));
            String source = d.get(FieldNames.SOURCE);
            bytes += UnicodeUtil.calcUTF16toUTF8Length(source, 0, source.length());
        }
        return new Page(ids, bytes);
    }

    /** A page's ids in order, and the UTF-8 length of its sources (read, as Quarry reads them). */
    public record Page(List<String> ids, int sourceBytes) {}

    /**
     * {@link #search} with Quarry's per-hit reads, through the shards' own code: their sort
     * ({@link SortSpec#SCORE_THEN_ID}: the id by ordinal, its bytes from a doc value) gives the ids,
     * {@link HitLoader} the sources from doc values, and segments are walked as the shards walk them
     * ({@link SmallSegmentScoring}).
     */
    public Page searchTuned(String query, int k, long totalHitsThreshold) throws Exception {
        TopDocs top = searcher.search(SmallSegmentScoring.wrap(parse(query)), new TopFieldCollectorManager(TUNED, k, null, threshold(totalHitsThreshold)));
        List<String> ids = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc sd : top.scoreDocs) {
            ids.add(SortSpec.SCORE_THEN_ID.id((FieldDoc) sd));
        }
        int bytes = 0;
        for (com.google.protobuf.ByteString source : HitLoader.sources(reader, top.scoreDocs, searcher.storedFields())) {
            bytes += source.size();
        }
        return new Page(ids, bytes);
    }

    private static org.apache.lucene.search.Query parse(String query) throws Exception {
        MultiFieldQueryParser p = new MultiFieldQueryParser(new String[] {"name", "description"}, new StandardAnalyzer());
        p.setDefaultOperator(QueryParser.Operator.OR);
        return p.parse(query);
    }

    private static int threshold(long totalHitsThreshold) {
        return totalHitsThreshold <= 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, totalHitsThreshold);
    }

    @Override
    public void close() throws IOException {
        reader.close();
        dir.close();
        FileTrees.delete(path);
    }
}
