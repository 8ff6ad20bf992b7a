package dev.quarry.shard.index;

import dev.quarry.ingest.schema.FieldType;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.SortValue;
import dev.quarry.shard.error.ShardException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.SortedSetSortField;
import org.apache.lucene.util.BytesRef;

/**
 * A request's sort as Lucene sees it: the requested fields (default: the score, descending), then
 * the id ascending as the final tie-break ({@link IdSortField}: Lucene's string order, cheaper to
 * collect), so every shard and the coordinator agree on one total order. A document missing a sort
 * field sorts last in either direction (numeric fields use the extreme value of the direction,
 * keyword and boolean fields Lucene's missing-first/last marker).
 * Immutable.
 */
public record SortSpec(Sort sort, List<Kind> kinds) {
    /** How one sort position's values are represented. */
    public enum Kind { SCORE, STRING, LONG, DOUBLE }

    public static final SortSpec SCORE_THEN_ID = new SortSpec(
            new Sort(SortField.FIELD_SCORE, IdSortField.of(FieldNames.ID, FieldNames.ID_BYTES)), List.of(Kind.SCORE));

    public SortSpec {
        kinds = List.copyOf(kinds);
    }

    public static SortSpec of(List<dev.quarry.proto.v1.SortField> spec, IndexSchema schema) {
        if (spec.isEmpty()) {
            return SCORE_THEN_ID;
        }
        List<SortField> fields = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        for (dev.quarry.proto.v1.SortField f : spec) {
            boolean desc = f.getDescending();
            if (f.getField().equals("_score")) {
                fields.add(new SortField(null, SortField.Type.SCORE, !desc));
                kinds.add(Kind.SCORE);
                continue;
            }
            FieldType type = schema.fields().get(f.getField());
            if (type == null) {
                throw invalid("cannot sort by unknown field '" + f.getField() + "'");
            }
            switch (type) {
                case KEYWORD, BOOLEAN -> {
                    SortField s = new SortedSetSortField(f.getField(), desc);
                    s.setMissingValue(desc ? SortField.STRING_FIRST : SortField.STRING_LAST);
                    fields.add(s);
                    kinds.add(Kind.STRING);
                }
                case LONG -> {
                    SortField s = new SortedNumericSortField(f.getField(), SortField.Type.LONG, desc);
                    s.setMissingValue(desc ? Long.MIN_VALUE : Long.MAX_VALUE);
                    fields.add(s);
                    kinds.add(Kind.LONG);
                }
                case DOUBLE -> {
                    SortField s = new SortedNumericSortField(f.getField(), SortField.Type.DOUBLE, desc);
                    s.setMissingValue(desc ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
                    fields.add(s);
                    kinds.add(Kind.DOUBLE);
                }
                case TEXT -> throw invalid("cannot sort by text field '" + f.getField() + "'; sort by a keyword, long, double or boolean field");
            }
        }
        fields.add(IdSortField.of(FieldNames.ID, FieldNames.ID_BYTES));
        return new SortSpec(new Sort(fields.toArray(SortField[]::new)), kinds);
    }

    /** A hit's id, from the sort's last field (the id tie-break; "" for a document without one). */
    public String id(FieldDoc doc) {
        return doc.fields[kinds.size()] instanceof BytesRef id ? id.utf8ToString() : "";
    }

    /** The sort values of a hit (one per requested position; the id is not included). */
    public List<SortValue> values(FieldDoc doc) {
        List<SortValue> out = new ArrayList<>(kinds.size());
        for (int i = 0; i < kinds.size(); i++) {
            Object v = doc.fields[i];
            SortValue.Builder b = SortValue.newBuilder();
            switch (v) {
                case null -> { }
                case Float f -> b.setScore(f);
                case BytesRef br -> b.setStringValue(br.utf8ToString());
                case Long l -> b.setLongValue(l);
                case Double d -> b.setDoubleValue(d);
                default -> throw new IllegalStateException("unexpected sort value " + v.getClass());
            }
            out.add(b.build());
        }
        return out;
    }

    /** A cursor's position (sort values, then the id) as Lucene's search-after document. */
    public FieldDoc after(List<SortValue> after) {
        if (after.isEmpty()) {
            return null;
        }
        if (after.size() != kinds.size() + 1) {
            throw invalid("search_after has " + after.size() + " values; this sort needs " + (kinds.size() + 1));
        }
        Object[] fields = new Object[kinds.size() + 1];
        for (int i = 0; i < kinds.size(); i++) {
            SortValue v = after.get(i);
            fields[i] = switch (kinds.get(i)) {
                case SCORE -> v.getScore();
                case STRING -> v.getValueCase() == SortValue.ValueCase.VALUE_NOT_SET ? null : new BytesRef(v.getStringValue());
                case LONG -> v.getLongValue();
                case DOUBLE -> v.getDoubleValue();
            };
        }
        fields[kinds.size()] = new BytesRef(after.get(kinds.size()).getStringValue());
        float score = kinds.isEmpty() || kinds.get(0) != Kind.SCORE ? Float.NaN : after.get(0).getScore();
        return new FieldDoc(Integer.MAX_VALUE, score, fields);
    }

    private static ShardException invalid(String message) {
        return new ShardException(ShardException.Kind.INVALID_ARGUMENT, message);
    }
}
