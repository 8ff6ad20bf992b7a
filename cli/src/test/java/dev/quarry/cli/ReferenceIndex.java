package dev.quarry.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
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
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * The oracle: one Lucene index holding every document, with the reference semantics
 * (MultiFieldQueryParser over name and description, StandardAnalyzer, BM25, ties by id).
 * Built by the test from the same documents, independent of Quarry's code.
 */
final class ReferenceIndex implements AutoCloseable {
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;

    ReferenceIndex(List<SampleData.Pkg> docs) throws IOException {
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
            for (SampleData.Pkg p : docs) {
                Document d = new Document();
                d.add(new StringField("id", p.id(), Field.Store.YES));
                d.add(new SortedDocValuesField("id", new BytesRef(p.id())));
                d.add(new TextField("name", p.name(), Field.Store.NO));
                d.add(new TextField("description", p.description(), Field.Store.NO));
                w.addDocument(d);
            }
        }
        reader = DirectoryReader.open(dir);
        searcher = new IndexSearcher(reader);
    }

    /** One hit of the oracle: id and BM25 score. */
    record Scored(String id, float score) {}

    List<Scored> topScored(String query, int k) throws Exception {
        MultiFieldQueryParser p = new MultiFieldQueryParser(new String[] {"name", "description"}, new StandardAnalyzer());
        p.setDefaultOperator(QueryParser.Operator.OR);
        TopDocs top = searcher.search(p.parse(query), k, new Sort(SortField.FIELD_SCORE, new SortField("id", SortField.Type.STRING)), true);
        List<Scored> out = new ArrayList<>();
        for (ScoreDoc sd : top.scoreDocs) {
            out.add(new Scored(searcher.storedFields().document(sd.doc).get("id"), sd.score));
        }
        return out;
    }

    List<String> top(String query, int k) throws Exception {
        MultiFieldQueryParser p = new MultiFieldQueryParser(new String[] {"name", "description"}, new StandardAnalyzer());
        p.setDefaultOperator(QueryParser.Operator.OR);
        TopDocs top = searcher.search(p.parse(query), k, new Sort(SortField.FIELD_SCORE, new SortField("id", SortField.Type.STRING)), true);
        List<String> ids = new ArrayList<>();
        for (ScoreDoc sd : top.scoreDocs) {
            ids.add(searcher.storedFields().document(sd.doc).get("id"));
        }
        return ids;
    }

    @Override
    public void close() throws IOException {
        reader.close();
        dir.close();
    }
}
