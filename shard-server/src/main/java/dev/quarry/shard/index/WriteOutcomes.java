package dev.quarry.shard.index;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Outcomes of recently applied records by (partition, offset), for synchronous writes that wait
 * for "their" record: bounded to the newest {@link #CAPACITY} outcomes (a waiter that comes later
 * than that learns only that its record was applied or skipped long ago).
 *
 * <p>Thread-safety: the apply thread records, request threads wait; all access is guarded by this
 * object's monitor, and {@code notifyAll} wakes waiters after every record.
 */
public final class WriteOutcomes {
    /** Enough for several seconds of ingest at full speed; an entry is ~100 bytes. */
    static final int CAPACITY = 100_000;

    private record Key(int partition, long offset) {}

    /** Guarded by this. */
    private final Map<Key, WriteOutcome> recent = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, WriteOutcome> eldest) {
            return size() > CAPACITY;
        }
    };
    /** Guarded by this: per partition, the next offset not yet applied. */
    private final Map<Integer, Long> next = new java.util.HashMap<>();

    /** Everything below these offsets was applied before this writer opened (its commit). */
    synchronized void startAt(Map<Integer, Long> committed) {
        next.putAll(committed);
        notifyAll();
    }

    synchronized void record(int partition, long offset, WriteOutcome outcome) {
        recent.put(new Key(partition, offset), outcome);
        next.merge(partition, offset + 1, Math::max);
        notifyAll();
    }

    /** Per partition, the next offset not yet applied. */
    public synchronized Map<Integer, Long> appliedOffsets() {
        return Map.copyOf(next);
    }

    /**
     * Waits until the record at {@code partition@offset} has been applied and returns what it did,
     * or null if it is not applied within {@code timeoutMs}.
     */
    public synchronized WriteOutcome await(int partition, long offset, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (next.getOrDefault(partition, 0L) <= offset) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return recent.getOrDefault(new Key(partition, offset), WriteOutcome.APPLIED);
    }
}
