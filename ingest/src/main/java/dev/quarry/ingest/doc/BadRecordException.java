package dev.quarry.ingest.doc;

/** A record that cannot become a document; {@link #reason()} classifies it, the message explains it. */
public final class BadRecordException extends Exception {
    private static final long serialVersionUID = 1L;
    private final BadRecordReason reason;

    public BadRecordException(BadRecordReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public BadRecordReason reason() {
        return reason;
    }
}
