package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * {@link IdSortField} orders exactly as Lucene's own string sort: on random indexes of many small
 * segments (so hits of different segments meet in the queue and the bottom and the search-after
 * position fall between another segment's ids), with scores that tie often, some documents without
 * an id, first pages and search-after pages, by score then id and by id alone; with the returned
 * ids read from their binary doc values where documents have them, or by ordinal.
 */
class IdSortFieldTest {
    private static final String ID = "id";
    /** The id as a binary doc value, which some documents have: returned values must not depend on it. */
    private static final String ID_BYTES = "id_bytes";

    @Property(tries = 60)
    void ordersExactlyAsLucenesStringSort(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            IndexWriterConfig cfg = new IndexWriterConfig()
                    .setMergePolicy(NoMergePolicy.INSTANCE)
                    .setMaxBufferedDocs(2 + r.nextInt(40));
            int n = 1 + r.nextInt(400);
            int bytesMode = r.nextInt(3); // no document, every document, or some documents have the id's bytes
            try (IndexWriter w = new IndexWriter(dir, cfg)) {
                for (int i = 0; i < n; i++) {
                    Document d = new Document();
                    if (r.nextInt(20) != 0) { // one in twenty without an id: sorts first
                        String id = Integer.toString(r.nextInt(1_000_000), 36) + "-" + i; // unique, in random order
                        d.add(new StringField(ID, id, Field.Store.NO));
                        d.add(new SortedDocValuesField(ID, new BytesRef(id)));
                        if (bytesMode == 1 || bytesMode == 2 && r.nextBoolean()) {
                            d.add(new BinaryDocValuesField(ID_BYTES, new BytesRef(id)));
                        }
                    }
                    d.add(new StringField("t", "t" + r.nextInt(4), Field.Store.NO));
                    d.add(new StringField("u", "u" + r.nextInt(3), Field.Store.NO));
                    w.addDocument(d);
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                Query q = r.nextBoolean() ? new MatchAllDocsQuery() : tyingQuery(r);
                for (boolean scoreFirst : new boolean[] {true, false}) {
                    Sort lucene = scoreFirst ? new Sort(SortField.FIELD_SCORE, new SortField(ID, SortField.Type.STRING))
                            : new Sort(new SortField(ID, SortField.Type.STRING));
                    SortField id = r.nextBoolean() ? IdSortField.of(ID, ID_BYTES) : IdSortField.of(ID);
                    Sort ours = scoreFirst ? new Sort(SortField.FIELD_SCORE, id) : new Sort(id);
                    int k = 1 + r.nextInt(30);
                    TopDocs expected = search(searcher, q, lucene, k, null);
                    assertSame(search(searcher, q, ours, k, null), expected);
                    // search-after from every hit of the first page, and from a position no document holds
                    for (ScoreDoc sd : expected.scoreDocs) {
                        FieldDoc after = (FieldDoc) sd;
                        assertSame(search(searcher, q, ours, k, after), search(searcher, q, lucene, k, after));
                    }
                    Object[] between = scoreFirst ? new Object[] {1.0f, new BytesRef("m")} : new Object[] {new BytesRef("m")};
                    FieldDoc gap = new FieldDoc(Integer.MAX_VALUE, 1.0f, between);
                    assertSame(search(searcher, q, ours, k, gap), search(searcher, q, lucene, k, gap));
                }
            }
        }
    }

    /** Constant-score clauses with small boosts: few distinct scores, many ties. */
    private static Query tyingQuery(Random r) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new BoostQuery(new ConstantScoreQuery(new TermQuery(new Term("t", "t" + r.nextInt(4)))), 1 + r.nextInt(2)), BooleanClause.Occur.SHOULD);
        b.add(new BoostQuery(new ConstantScoreQuery(new TermQuery(new Term("u", "u" + r.nextInt(3)))), 1 + r.nextInt(2)), BooleanClause.Occur.SHOULD);
        return b.build();
    }

    private static TopDocs search(IndexSearcher s, Query q, Sort sort, int k, FieldDoc after) throws Exception {
        return s.search(q, new TopFieldCollectorManager(sort, k, after, Integer.MAX_VALUE));
    }

    private static void assertSame(TopDocs actual, TopDocs expected) {
        assertThat(actual.totalHits).isEqualTo(expected.totalHits);
        assertThat(describe(actual)).isEqualTo(describe(expected));
    }

    private static List<String> describe(TopDocs top) {
        List<String> out = new ArrayList<>();
        for (ScoreDoc sd : top.scoreDocs) {
            StringBuilder s = new StringBuilder().append(sd.doc);
            for (Object v : ((FieldDoc) sd).fields) {
                s.append(' ').append(v instanceof BytesRef b ? b.utf8ToString() : String.valueOf(v));
            }
            out.add(s.toString());
        }
        return out;
    }
}
