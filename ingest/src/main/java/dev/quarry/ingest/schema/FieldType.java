package dev.quarry.ingest.schema;

import java.util.Locale;

/** The value types a schema field may have (see INTERFACES.md, "Index schema"). */
public enum FieldType {
    /** Analyzed with Lucene's StandardAnalyzer, scored with BM25, stored. */
    TEXT,
    /** Exact, filterable, sortable, stored. */
    KEYWORD,
    /** 64-bit integer: range filters and sort. */
    LONG,
    /** 64-bit float: range filters and sort. */
    DOUBLE,
    /** true / false, filterable. */
    BOOLEAN;

    /** Parses the schema's spelling ({@code "text"}, {@code "keyword"}, ...). */
    public static FieldType parse(String name) {
        for (FieldType t : values()) {
            if (t.jsonName().equals(name)) {
                return t;
            }
        }
        throw new SchemaException("unknown field type '" + name + "' (expected one of text, keyword, long, double, boolean)");
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
