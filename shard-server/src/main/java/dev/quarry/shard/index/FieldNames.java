package dev.quarry.shard.index;

/** Names of the fields Quarry adds to every Lucene document; schema fields cannot start with '_'. */
public final class FieldNames {
    /** The document id: indexed term, sorted doc value (tie-break), stored. */
    public static final String ID = "_id";
    /**
     * The document id again, as a binary doc value: returned hits read their id here directly, where
     * reading it by ordinal from {@link #ID} scans a block of the terms dictionary ({@link IdSortField}).
     */
    public static final String ID_BYTES = "_id_bytes";
    /** The source JSON as written. */
    public static final String SOURCE = "_source";
    /** The document's version: the external version, or the offset of its write. */
    public static final String VERSION = "_version";
    /** Marks a delete's tombstone (term "T" and doc value 1): it keeps the delete's version. */
    public static final String TOMBSTONE = "_tombstone";
    /** The Kafka timestamp of the delete a tombstone records (for its GC window). */
    public static final String DELETED_AT = "_deleted_at";

    private FieldNames() {}
}
