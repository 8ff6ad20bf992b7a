package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.Filter;
import dev.quarry.proto.v1.TermsFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * Scoring small segments document at a time ({@link SmallSegmentScoring}) changes how a segment is
 * walked, never what a search answers: the same hits in the same order with bit-identical scores
 * and the same exact count, on indexes of several segments with deletes' tombstones and filters.
 */
class SmallSegmentScoringTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"name": {"type": "text"}, "description": {"type": "text"}, "tag": {"type": "keyword"}},
             "default_fields": ["name", "description"]}""");
    private static final QueryFactory QUERIES = new QueryFactory(SCHEMA);
    private static final DocumentMapper MAPPER = new DocumentMapper(SCHEMA);
    private static final List<String> WORDS = List.of("react", "router", "vue", "the", "a", "json", "parser", "http", "server", "cli",
            "fast", "tiny", "deep", "clone");
    private static final List<String> OPERATORS = List.of(" ", " ", " ", " OR ", " AND ", " -", " +");

    @Property(tries = 100)
    void everySegmentScoredDocumentAtATimeGivesLucenesAnswer(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            index(dir, r);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                for (int n = 0; n < 10; n++) {
                    Query q = QUERIES.build(queryText(r), r.nextBoolean() ? List.of() : List.of(tagFilter(r)));
                    int k = 1 + r.nextInt(30);
                    TopFieldDocs lucene = search(searcher, q, k);
                    TopFieldDocs everySegment = search(searcher, SmallSegmentScoring.wrap(q, Long.MAX_VALUE), k);
                    TopFieldDocs byDefault = search(searcher, SmallSegmentScoring.wrap(q), k);
                    for (TopFieldDocs wrapped : List.of(everySegment, byDefault)) {
                        assertThat(wrapped.totalHits).as("%s", q).isEqualTo(lucene.totalHits);
                        assertThat(hits(wrapped)).as("%s", q).isEqualTo(hits(lucene));
                    }
                }
            }
        }
    }

    @Test
    void onlySegmentsBelowTheCostAreScoredDocumentAtATime() throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            index(dir, new Random(1));
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                Query q = searcher.rewrite(QUERIES.build("react OR router OR vue", List.of()));
                int windowScored = 0;
                for (LeafReaderContext leaf : reader.leaves()) {
                    var supplier = searcher.createWeight(q, ScoreMode.COMPLETE, 1).scorerSupplier(leaf);
                    if (supplier == null) {
                        continue;
                    }
                    long cost = supplier.cost();
                    BulkScorer lucenes = bulkScorer(searcher, q, leaf);
                    windowScored += documentAtATime(lucenes) ? 0 : 1;
                    assertThat(documentAtATime(bulkScorer(searcher, SmallSegmentScoring.wrap(q, cost + 1), leaf))).isTrue();
                    assertThat(bulkScorer(searcher, SmallSegmentScoring.wrap(q, cost), leaf)).hasSameClassAs(lucenes);
                }
                assertThat(windowScored).as("segments Lucene scores with its window scorer").isPositive();
            }
        }
    }

    /** Lucene's bulk scorer over a query's ordinary scorer (protected in {@code Weight}). */
    private static boolean documentAtATime(BulkScorer s) {
        return s.getClass().getName().equals("org.apache.lucene.search.Weight$DefaultBulkScorer");
    }

    private static BulkScorer bulkScorer(IndexSearcher searcher, Query q, LeafReaderContext leaf) throws Exception {
        return searcher.createWeight(searcher.rewrite(q), ScoreMode.COMPLETE, 1).bulkScorer(leaf);
    }

    /** Segments of 1 to 400 documents (no merges): some are tombstones, some update (delete) a document of an earlier segment. */
    private static void index(ByteBuffersDirectory dir, Random r) throws Exception {
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE))) {
            int id = 0;
            for (int segments = 1 + r.nextInt(4); segments > 0; segments--) {
                for (int docs = 1 + r.nextInt(400); docs > 0; docs--, id++) {
                    if (r.nextInt(10) == 0) {
                        w.addDocument(DocumentMapper.tombstone("d" + id, 1, 0));
                        continue;
                    }
                    String name = words(r, 1 + r.nextInt(3));
                    String description = words(r, r.nextInt(12));
                    String tag = "t" + r.nextInt(3);
                    String json = "{\"name\": \"" + name + "\", \"description\": \"" + description + "\", \"tag\": \"" + tag + "\"}";
                    String docId = id > 0 && r.nextInt(8) == 0 ? "d" + r.nextInt(id) : "d" + id; // now and then an update
                    w.updateDocument(new Term(FieldNames.ID, docId), MAPPER.toLucene(new dev.quarry.ingest.doc.Document(docId,
                            Map.of("name", List.of(name), "description", List.of(description), "tag", List.of(tag)), json), 1));
                }
                w.commit();
            }
        }
    }

    private static TopFieldDocs search(IndexSearcher searcher, Query q, int k) throws Exception {
        return searcher.search(q, new TopFieldCollectorManager(SortSpec.SCORE_THEN_ID.sort(), k, null, Integer.MAX_VALUE));
    }

    /** Each hit as its id and the exact bits of its score. */
    private static List<String> hits(TopFieldDocs top) {
        List<String> out = new ArrayList<>();
        for (var sd : top.scoreDocs) {
            FieldDoc fd = (FieldDoc) sd;
            out.add(SortSpec.SCORE_THEN_ID.id(fd) + "@" + Integer.toHexString(Float.floatToIntBits((Float) fd.fields[0])));
        }
        return out;
    }

    private static String queryText(Random r) {
        StringBuilder text = new StringBuilder(WORDS.get(r.nextInt(WORDS.size())));
        for (int n = r.nextInt(5); n > 0; n--) {
            text.append(OPERATORS.get(r.nextInt(OPERATORS.size()))).append(WORDS.get(r.nextInt(WORDS.size())));
        }
        return r.nextInt(4) == 0 ? "name:" + text : text.toString();
    }

    private static String words(Random r, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(i == 0 ? "" : " ").append(WORDS.get(r.nextInt(WORDS.size())));
        }
        return out.toString();
    }

    private static Filter tagFilter(Random r) {
        return Filter.newBuilder().setField("tag").setTerms(TermsFilter.newBuilder().addValues("t" + r.nextInt(3))).build();
    }
}
