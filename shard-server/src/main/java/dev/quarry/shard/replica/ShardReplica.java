package dev.quarry.shard.replica;

import dev.quarry.ingest.apply.OrderedApplyLoop;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.ScoringStats;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.ShardStatsResponse;
import dev.quarry.shard.error.ShardException;
import dev.quarry.shard.index.Checkpoint;
import dev.quarry.shard.index.DeadLetter;
import dev.quarry.shard.index.WriteOutcome;
import dev.quarry.shard.index.Fingerprint;
import dev.quarry.shard.index.QueryFactory;
import dev.quarry.shard.index.ShardSearcher;
import dev.quarry.shard.index.PinnedSearchers;
import dev.quarry.shard.index.ShardWriter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.NRTCachingDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of one shard: a Lucene index in its own directory, fed by its own apply loop over the
 * shard's partitions, and read by queries. Thread-safety: queries and stats may come from any
 * thread; the writer's write side is confined to the apply loop's thread, its refreshes run on its
 * own refresh thread (which records each new searcher in {@code pinned}); {@link #close()} stops
 * the loop before closing the writer so the two never overlap, and closes the writer (which stops
 * its refresh thread) before {@code pinned}.
 */
public final class ShardReplica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardReplica.class);

    private final ReplicaSpec spec;
    private final String nodeId;
    private final Directory dir;
    private final ShardWriter writer;
    private final ShardSearcher searcher;
    private final OrderedApplyLoop loop;

    private final PinnedSearchers pinned;
    private final RecentLatency queryLatency = new RecentLatency();

    private ShardReplica(ReplicaSpec spec, String nodeId, Directory dir, ShardWriter writer, OrderedApplyLoop loop, Clock clock) throws IOException {
        this.spec = spec;
        this.nodeId = nodeId;
        this.dir = dir;
        this.writer = writer;
        this.pinned = new PinnedSearchers(writer.searchers(), PINNED_SEARCHER_RETAIN_MS, clock);
        this.pinned.recordCurrent(writer.visibleCheckpoint());
        writer.onRefresh(pinned::record);
        writer.onPublished(cp -> pinned.prune());
        this.searcher = new ShardSearcher(writer.searchers(), pinned, new QueryFactory(spec.schema()), writer::quietForMs);
        this.loop = loop;
    }

    /** How long a replaced searcher stays available to pinned requests without a lease. */
    static final long PINNED_SEARCHER_RETAIN_MS = 10_000;
    /**
     * Segments a refresh flushes (up to this size) are written to memory, not to files, until a
     * commit writes them out or a merge replaces them ({@link FlushCachingDirectory}, after Lucene's
     * {@link NRTCachingDirectory}, Solr's
     * default for the same reason): a replica refreshes every second, and each small segment cost
     * file creation, memory-mapping and, once merged away, unmapping, which on a busy 2-core machine
     * made a reopen take 0.3–0.4 s (p50) and closing replaced searchers up to 1.5 s. Measured with
     * {@code quarry bench ingest}: reopen p50 0.20 s, p90 0.28 s; the refresh threads' CPU a third lower.
     */
    static final double NRT_CACHE_MAX_SEGMENT_MB = 4;
    /** At most this much of a replica's flushed segments is held in memory; beyond it they go to files. */
    static final double NRT_CACHE_MAX_MB = 48;

    /**
     * Opens (or creates) the replica's index under {@code dataDir} and starts applying from the
     * offsets of its last commit.
     */
    public static ShardReplica open(ReplicaSpec spec, String nodeId, Path dataDir, Supplier<Consumer<byte[], byte[]>> consumers,
                                    Clock clock, ReplicaOptions options, java.util.function.Consumer<DeadLetter> deadLetters,
                                    MeterRegistry metrics) throws IOException {
        Path path = directoryOf(dataDir, spec);
        Files.createDirectories(path);
        Directory dir = new FlushCachingDirectory(FSDirectory.open(path), NRT_CACHE_MAX_SEGMENT_MB, NRT_CACHE_MAX_MB);
        Tags tags = Tags.of("index", spec.index(), "shard", Integer.toString(spec.shard()), "node", nodeId);
        ShardWriter writer;
        try {
            writer = new ShardWriter(spec.index(), spec.shard(), spec.schema(), dir, clock, options.commitIntervalMs(), options.tombstoneGcWindowMs(),
                    deadLetters, metrics, tags);
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
        ShardReplica replica;
        try {
            OrderedApplyLoop loop = new OrderedApplyLoop(nodeId + ":" + spec.key(), Topics.docs(spec.index()), spec.partitions(), consumers, writer,
                    options.applyNice());
            replica = new ShardReplica(spec, nodeId, dir, writer, loop, clock);
            Gauge.builder("quarry_ingest_lag", replica, ShardReplica::lag).tags(tags).register(metrics);
            for (int p : spec.partitions()) {
                Gauge.builder("quarry_ingest_partition_lag", replica, r -> r.lag(p)).tags(tags.and("partition", Integer.toString(p)))
                        .description("records of this partition in Kafka not yet searchable on this replica").register(metrics);
            }
            Gauge.builder("quarry_shard_segments", replica, ShardReplica::segments).tags(tags)
                    .description("segments of the newest searcher: each query looks up every term once per segment").register(metrics);
            loop.start();
        } catch (IOException | RuntimeException | Error e) {
            try (dir; writer) {
                throw e;
            }
        }
        log.info("[{}] replica {} opened at {}", nodeId, spec.key(), path);
        return replica;
    }

    public ReplicaSpec spec() {
        return spec;
    }

    public Checkpoint checkpoint() {
        return writer.visibleCheckpoint();
    }

    /** Waits (bounded) until the record at {@code partition@offset} is applied; null on timeout. */
    public WriteOutcome awaitApplied(int partition, long offset, long timeoutMs) throws InterruptedException {
        loop.hurry(); // a synchronous write: the apply loop fetches now rather than gathering more records first
        return writer.outcomes().await(partition, offset, timeoutMs);
    }

    public ShardQueryResponse query(ShardQueryRequest req, long timeoutMs) throws IOException, InterruptedException {
        return query(req, timeoutMs, System.nanoTime());
    }

    /**
     * A query whose service time started at {@code startedNanos} (before this call when the server did
     * something for it first, such as an injected fault's delay, which a slow replica's heartbeat must show).
     */
    public ShardQueryResponse query(ShardQueryRequest req, long timeoutMs, long startedNanos) throws IOException, InterruptedException {
        long t0 = startedNanos;
        try {
            awaitMinOffsets(req, timeoutMs);
            return searcher.query(req);
        } finally {
            queryLatency.record(System.nanoTime() - t0);
        }
    }

    /** Mean query service time over the last seconds (heartbeat load for the hot-shard detector). */
    public double recentQueryMillis() {
        return queryLatency.meanMillis();
    }

    /** Read-your-writes: waits (bounded) until the newest searcher reflects the request's min_offsets. */
    private void awaitMinOffsets(ShardQueryRequest req, long timeoutMs) throws InterruptedException {
        if (!req.getMinOffsetsMap().isEmpty()) {
            loop.hurry(); // its writes may not be applied yet: no gathering pause before they are
        }
        if (!req.getMinOffsetsMap().isEmpty() && !writer.awaitVisible(req.getMinOffsetsMap(), timeoutMs)) {
            throw new ShardException(ShardException.Kind.DEADLINE_EXCEEDED, "replica of " + spec.key() + " on " + nodeId
                    + " did not reflect the requested writes within " + timeoutMs + " ms");
        }
    }

    /** Phase one of GLOBAL scoring; with min_offsets, from a searcher that reflects them (phase two pins it). */
    public ScoringStats termStats(ShardQueryRequest req, long timeoutMs) throws IOException, InterruptedException {
        awaitMinOffsets(req, timeoutMs);
        return searcher.termStats(req);
    }

    /** The read side, for a request that spans several shards of this node (SearchLocal: no min_offsets). */
    public ShardSearcher searcher() {
        return searcher;
    }

    /** Segments of the newest searcher (-1 once the replica is closed). */
    public int segments() {
        try {
            IndexSearcher s = writer.searchers().acquire();
            try {
                return s.getIndexReader().leaves().size();
            } finally {
                writer.searchers().release(s);
            }
        } catch (IOException | AlreadyClosedException e) {
            return -1;
        }
    }

    /** Real-time get: first makes everything this replica has applied visible (refreshing if needed). */
    public GetResponse get(String id, long timeoutMs) throws IOException, InterruptedException {
        Map<Integer, Long> lastApplied = new java.util.HashMap<>();
        writer.outcomes().appliedOffsets().forEach((p, next) -> {
            if (next > 0) {
                lastApplied.put(p, next - 1);
            }
        });
        if (!writer.awaitVisible(lastApplied, timeoutMs)) {
            throw new ShardException(ShardException.Kind.DEADLINE_EXCEEDED, "replica of " + spec.key() + " could not refresh in time");
        }
        return searcher.get(id);
    }

    /** Records of one partition in Kafka not yet searchable here; {@link #UNKNOWN_LAG} until the log end was first read. */
    public long lag(int partition) {
        Long end = loop.endOffsets().get(partition);
        return end == null ? UNKNOWN_LAG : Math.max(0, end - writer.visibleCheckpoint().nextOffsets().getOrDefault(partition, 0L));
    }

    /**
     * Records in Kafka not yet searchable here, summed over the shard's partitions; {@link #UNKNOWN_LAG} until the
     * log end of every partition was read once (a replica that just opened must not look caught up before it knows).
     */
    public long lag() {
        Map<Integer, Long> ends = loop.endOffsets();
        Map<Integer, Long> visible = writer.visibleCheckpoint().nextOffsets();
        long lag = 0;
        for (int p : spec.partitions()) {
            Long end = ends.get(p);
            if (end == null) {
                return UNKNOWN_LAG;
            }
            lag += Math.max(0, end - visible.getOrDefault(p, 0L));
        }
        return lag;
    }

    /** The lag reported before the replica has read its partitions' log ends. */
    public static final long UNKNOWN_LAG = -1;

    public ShardStatsResponse stats(boolean withFingerprint) throws IOException {
        Checkpoint cp = writer.visibleCheckpoint();
        ShardSearcher.Stats st = searcher.stats(withFingerprint);
        return ShardStatsResponse.newBuilder()
                .setIndex(spec.index()).setShard(spec.shard()).setNode(nodeId)
                .setCheckpoint(cp.toProto())
                .setDocCount(st.docCount())
                .setLag(lag())
                .setFingerprint(withFingerprint ? Fingerprint.hex(st.fingerprint()) : "")
                .setSkippedRecords(writer.skippedRecords())
                .build();
    }

    /** Streams this replica's newest commit to a recovering peer (see {@link CommitSender}). */
    public void sendCommit(long bytesPerSecond, io.grpc.stub.ServerCallStreamObserver<dev.quarry.proto.v1.FileChunk> out) throws IOException {
        org.apache.lucene.index.IndexCommit commit = writer.snapshotCommit();
        try {
            CommitSender.send(dir, commit, bytesPerSecond, out);
        } finally {
            writer.releaseCommit(commit);
        }
    }

    /** Where a replica of {@code spec} keeps its index under a node's data directory. */
    public static Path directoryOf(Path dataDir, ReplicaSpec spec) {
        return dataDir.resolve(spec.index()).resolve("shard-" + spec.shard());
    }

    /** Stops applying, commits what was applied, closes the index. */
    @Override
    public void close() throws IOException {
        loop.close();
        try {
            writer.close();
        } finally {
            try {
                pinned.close();
            } finally {
                dir.close();
            }
        }
        log.info("[{}] replica {} closed", nodeId, spec.key());
    }
}
