package dev.quarry.ingest.load;

import java.util.List;

/**
 * What a bulk load did.
 *
 * @param lines       lines read (blank lines included)
 * @param sent        documents acknowledged by Kafka
 * @param rejected    lines not sent (bad JSON, no id), with their numbers and reasons; at most
 *                    {@link BulkLoader#MAX_REPORTED_REJECTS} are kept, {@code rejectedCount} counts all
 * @param rejectedCount all rejected lines
 * @param failed      documents Kafka did not acknowledge
 * @param elapsedNanos wall time of the load
 */
public record LoadSummary(long lines, long sent, List<RejectedLine> rejected, long rejectedCount, long failed, long elapsedNanos) {
    public LoadSummary {
        rejected = List.copyOf(rejected);
    }

    public double docsPerSecond() {
        return elapsedNanos == 0 ? 0 : sent * 1e9 / elapsedNanos;
    }

    /** One line that was not sent: its 1-based number and why. */
    public record RejectedLine(long lineNumber, String reason) {}
}
