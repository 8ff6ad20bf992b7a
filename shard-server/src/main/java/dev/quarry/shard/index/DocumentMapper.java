package dev.quarry.shard.index;

import dev.quarry.ingest.schema.FieldType;
import dev.quarry.ingest.schema.IndexSchema;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Maps a validated document to Lucene fields: text analyzed (StandardAnalyzer), keyword and boolean
 * as exact terms with doc values, numbers as points with doc values; the id and the source are
 * stored. Thread-safety: immutable.
 */
public final class DocumentMapper {
    private final IndexSchema schema;

    public DocumentMapper(IndexSchema schema) {
        this.schema = schema;
    }

    public Document toLucene(dev.quarry.ingest.doc.Document doc, long version) {
        Document d = new Document();
        d.add(new StringField(FieldNames.ID, doc.id(), Field.Store.YES));
        d.add(new SortedDocValuesField(FieldNames.ID, new BytesRef(doc.id())));
        d.add(new BinaryDocValuesField(FieldNames.ID_BYTES, new BytesRef(doc.id())));
        d.add(new StoredField(FieldNames.SOURCE, doc.sourceJson()));
        // the fetch reads the source from doc values: no block decompression per hit (see HitLoader)
        d.add(new BinaryDocValuesField(FieldNames.SOURCE, new BytesRef(doc.sourceJson())));
        d.add(new NumericDocValuesField(FieldNames.VERSION, version));
        for (Map.Entry<String, List<Object>> e : doc.values().entrySet()) {
            FieldType type = schema.fields().get(e.getKey());
            for (Object v : e.getValue()) {
                add(d, e.getKey(), type, v);
            }
        }
        return d;
    }

    /**
     * A delete's tombstone: the id and the delete's version, so that an older write of the id
     * arriving later cannot bring the document back, until the GC window has passed.
     */
    public static Document tombstone(String id, long version, long deletedAtMs) {
        Document d = new Document();
        d.add(new StringField(FieldNames.ID, id, Field.Store.YES));
        d.add(new SortedDocValuesField(FieldNames.ID, new BytesRef(id)));
        d.add(new NumericDocValuesField(FieldNames.VERSION, version));
        d.add(new StringField(FieldNames.TOMBSTONE, "T", Field.Store.NO));
        d.add(new NumericDocValuesField(FieldNames.TOMBSTONE, 1));
        d.add(new LongPoint(FieldNames.DELETED_AT, deletedAtMs));
        d.add(new NumericDocValuesField(FieldNames.DELETED_AT, deletedAtMs));
        return d;
    }

    private static void add(Document d, String name, FieldType type, Object v) {
        switch (type) {
            case TEXT -> d.add(new TextField(name, (String) v, Field.Store.NO));
            case KEYWORD -> {
                d.add(new StringField(name, (String) v, Field.Store.NO));
                d.add(new SortedSetDocValuesField(name, new BytesRef((String) v)));
            }
            case BOOLEAN -> {
                String s = v.toString();
                d.add(new StringField(name, s, Field.Store.NO));
                d.add(new SortedSetDocValuesField(name, new BytesRef(s)));
            }
            case LONG -> {
                long l = (Long) v;
                d.add(new LongPoint(name, l));
                d.add(new SortedNumericDocValuesField(name, l));
            }
            case DOUBLE -> {
                double x = (Double) v;
                d.add(new DoublePoint(name, x));
                d.add(new SortedNumericDocValuesField(name, NumericUtils.doubleToSortableLong(x)));
            }
        }
    }
}
