package dev.quarry.ingest.apply;

import dev.quarry.ingest.doc.BadRecordException;
import dev.quarry.ingest.doc.BadRecordReason;

/**
 * The version rules every replica and the suggest service apply, so that all reach the same state
 * from the same log: a write's version is its external version (the {@code quarry-version}
 * header) when it has one, else its offset; a write applies only when its version is greater than
 * the version stored for its id (a live document's or a delete's tombstone), otherwise it is stale
 * and skipped. Stateless.
 */
public final class VersionRules {
    private VersionRules() {}

    /** The write's version; an unparseable or negative header makes the record bad. */
    public static long versionOf(LogRecord r) throws BadRecordException {
        if (r.versionHeader() == null) {
            return r.offset();
        }
        try {
            long v = Long.parseLong(r.versionHeader().strip());
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BadRecordException(BadRecordReason.BAD_VERSION_HEADER,
                    "header " + LogRecord.VERSION_HEADER + " must be a non-negative decimal long, got '" + abbreviate(r.versionHeader()) + "'");
        }
    }

    /**
     * Whether a write of version {@code incoming} applies over the stored one.
     *
     * @param stored the stored version, or -1 when the id has neither a document nor a tombstone
     */
    public static boolean applies(long stored, long incoming) {
        return incoming > stored;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
