package dev.quarry.ingest.schema;

/** An index schema that cannot be used; the message says what to fix. */
public final class SchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaException(String message) {
        super(message);
    }
}
