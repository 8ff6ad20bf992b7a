package dev.quarry.cli.chaos;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every outcome the scenario's clients saw, with its time: queries (interactive or batch: answered
 * with a latency, shed, or failed with a status), acknowledged writes, and the cluster probe's
 * readings of the hot shard. Everything in the report is computed from this log after the run.
 *
 * <p>Thread-safety: thread-safe (lock-free queues); written by many load threads at once.
 */
public final class ClientLog {
    /** How a query ended. */
    public enum Outcome { OK, SHED, ERROR }

    public record Query(long tMillis, boolean interactive, Outcome outcome, long latencyMicros) {}

    /** A write acknowledged by Kafka (storm) or by the coordinator (synchronous Index): present at {@code version} or newer. */
    public record AckedWrite(long tMillis, String id, long version) {}

    /** The hot shard as the probe saw it (-1: unknown, the probe failed). */
    public record HotShardReading(long tMillis, int replicas, long maxLag, List<String> nodes) {}

    private final long startNanos;
    private final ConcurrentLinkedQueue<Query> queries = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<AckedWrite> writes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<HotShardReading> readings = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> errorsByStatus = new ConcurrentHashMap<>();
    private final AtomicLong writeErrors = new AtomicLong();

    public ClientLog(long startNanos) {
        this.startNanos = startNanos;
    }

    /** Milliseconds since the start of the load. */
    public long now() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    public void answered(boolean interactive, long latencyMicros) {
        queries.add(new Query(now(), interactive, Outcome.OK, latencyMicros));
    }

    public void shed(boolean interactive) {
        queries.add(new Query(now(), interactive, Outcome.SHED, 0));
    }

    public void failed(boolean interactive, Status status) {
        queries.add(new Query(now(), interactive, Outcome.ERROR, 0));
        errorsByStatus.computeIfAbsent((interactive ? "interactive " : "batch ") + status.getCode(), k -> new AtomicLong()).incrementAndGet();
    }

    public void acked(String id, long version) {
        writes.add(new AckedWrite(now(), id, version));
    }

    public void writeFailed() {
        writeErrors.incrementAndGet();
    }

    public void reading(int replicas, long maxLag, List<String> nodes) {
        readings.add(new HotShardReading(now(), replicas, maxLag, List.copyOf(nodes)));
    }

    public List<Query> queries() {
        return new ArrayList<>(queries);
    }

    public List<AckedWrite> writes() {
        return new ArrayList<>(writes);
    }

    public List<HotShardReading> readings() {
        return new ArrayList<>(readings);
    }

    /** Query failures other than shedding, by kind and gRPC code. */
    public Map<String, Long> errorsByStatus() {
        Map<String, Long> out = new java.util.TreeMap<>();
        errorsByStatus.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long writeErrors() {
        return writeErrors.get();
    }
}
