package dev.quarry.shard.index;

/** Names of the fields Quarry adds to every Lucene document; schema fields cannot start with '_'. */
public final class FieldNames {
    /** The document id: indexed term, sorted doc value (tie-break), stored. */
    public static final String ID = "_id";
    /** The source JSON as written. */
    public static final String SOURCE = "_source";
    /** The document's version: the external version, or the offset of its write. */
    public static final String VERSION = "_version";

    private FieldNames() {}
}
