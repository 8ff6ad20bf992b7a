package dev.quarry.ingest.schema;

/** What happens to a document field the schema does not declare. */
public enum DynamicPolicy {
    /** The document is rejected (dead-lettered). The default. */
    STRICT,
    /** The field is kept in the source but not indexed. */
    IGNORE
}
