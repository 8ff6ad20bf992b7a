package dev.quarry.ingest.apply;

import java.util.List;
import java.util.Map;

/**
 * What an {@link OrderedApplyLoop} feeds: a shard replica, a suggest index. All methods are called
 * from the loop's single thread, so an implementation may keep its write-side state thread-confined.
 */
public interface RecordApplier {
    /**
     * Applies records in offset order per partition. Must be idempotent: after a crash the loop
     * replays from {@link #nextOffsets()}, so records already applied may come again.
     */
    void apply(List<LogRecord> batch) throws Exception;

    /** Called after every poll, records or not: the place for time-based refresh and commit. */
    default void tick() throws Exception {}

    /**
     * For each partition, the next offset to read: where the loop starts, and where it rewinds to
     * after a failed {@link #apply}. A partition absent from the map is read from its beginning.
     */
    Map<Integer, Long> nextOffsets();
}
