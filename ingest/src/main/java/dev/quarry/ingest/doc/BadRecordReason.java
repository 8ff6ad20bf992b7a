package dev.quarry.ingest.doc;

import java.util.Locale;

/**
 * Why a record was skipped. Every replica classifies the same record the same way, so the counts
 * per reason agree across replicas; the reason travels in the dead-letter record's header.
 */
public enum BadRecordReason {
    MISSING_KEY,
    INVALID_JSON,
    NOT_AN_OBJECT,
    ID_MISMATCH,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    TOO_LARGE,
    BAD_VERSION_HEADER;

    /** The metric tag / header value: {@code invalid_json}, ... */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
