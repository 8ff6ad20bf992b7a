package dev.quarry.ingest.load;

import java.util.List;
import java.util.Map;

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
 * @param nextOffsets  per partition, one past the highest offset Kafka acknowledged: once an
 *                     index's checkpoint covers these, every document of the load is searchable
 */
public record LoadSummary(long lines, long sent, List<RejectedLine> rejected, long rejectedCount, long failed, long elapsedNanos,
                          Map<Integer, Long> nextOffsets) {
    public LoadSummary {
        rejected = List.copyOf(rejected);
        nextOffsets = Map.copyOf(nextOffsets);
    }

    public double docsPerSecond() {
        return elapsedNanos == 0 ? 0 : sent * 1e9 / elapsedNanos;
    }

    /** One line that was not sent: its 1-based number and why. */
    public record RejectedLine(long lineNumber, String reason) {}
}
