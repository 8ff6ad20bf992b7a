package dev.quarry.shard.index;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.apply.RecordApplier;
import dev.quarry.ingest.doc.BadRecordException;
import dev.quarry.ingest.doc.Document;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.schema.IndexSchema;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a shard's partitions of the document log to one Lucene index, in offset order.
 * An upsert replaces the document with the same id, a tombstone deletes it; a record that is not a
 * valid document under the schema is skipped and counted, never retried. Every
 * {@code refreshIntervalMs} it reopens the searcher and publishes the {@link Checkpoint} the
 * searcher reflects; every {@code commitIntervalMs} it commits with the next offset per partition
 * in the commit's user data, which is where a restart resumes. Re-applying a record is harmless
 * (replace-by-id), so the uncommitted tail replays safely after a crash.
 *
 * <p>Thread-safety: {@link #apply}, {@link #tick}, {@link #nextOffsets} and {@link #close} run on
 * the apply loop's thread only (the {@code applied} map is confined to it). {@link #visibleCheckpoint}
 * and {@link #searchers} may be used from any thread: the checkpoint is an immutable value published
 * through a volatile field, and {@link SearcherManager} is thread-safe.
 */
public final class ShardWriter implements RecordApplier, Closeable {
    private static final Logger log = LoggerFactory.getLogger(ShardWriter.class);

    private final String name;
    private final DocumentParser parser;
    private final DocumentMapper mapper;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final Clock clock;
    private final long refreshIntervalMs;
    private final long commitIntervalMs;
    private final MeterRegistry metrics;
    private final Tags tags;
    private final Counter appliedCounter;
    private final Timer refreshTimer;
    private final Timer commitTimer;
    private final AtomicLong skipped = new AtomicLong();

    /** Confined to the apply thread. */
    private final Map<Integer, Long> applied = new HashMap<>();
    private long lastRefreshMs;
    private long lastCommitMs;
    private boolean changedSinceRefresh;
    private boolean changedSinceCommit;

    private volatile Checkpoint visible;

    public ShardWriter(String name, IndexSchema schema, Directory dir, Clock clock, long commitIntervalMs,
                       MeterRegistry metrics, Tags tags) throws IOException {
        this.name = name;
        this.parser = new DocumentParser(schema);
        this.mapper = new DocumentMapper(schema);
        this.clock = clock;
        this.refreshIntervalMs = schema.refreshIntervalMs();
        this.commitIntervalMs = commitIntervalMs;
        this.metrics = metrics;
        this.tags = tags;
        IndexWriterConfig cfg = new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setRAMBufferSizeMB(64);
        this.writer = new IndexWriter(dir, cfg);
        Checkpoint committed = Checkpoint.fromCommitData(writer.getLiveCommitData());
        this.applied.putAll(committed.nextOffsets());
        this.searchers = new SearcherManager(writer, new SearcherFactory());
        this.visible = committed;
        this.lastRefreshMs = clock.millis();
        this.lastCommitMs = lastRefreshMs;
        this.appliedCounter = metrics.counter("quarry_ingest_applied_total", tags);
        this.refreshTimer = metrics.timer("quarry_shard_refresh", tags);
        this.commitTimer = metrics.timer("quarry_shard_commit", tags);
        log.info("[{}] opened at committed offsets {}", name, committed.nextOffsets());
    }

    @Override
    public void apply(List<LogRecord> batch) throws IOException {
        for (LogRecord r : batch) {
            Long next = applied.get(r.partition());
            if (next != null && r.offset() < next) {
                continue; // already applied (replay after a rewind)
            }
            applyOne(r);
            applied.put(r.partition(), r.offset() + 1);
        }
        if (!batch.isEmpty()) {
            changedSinceRefresh = true;
            changedSinceCommit = true;
        }
    }

    private void applyOne(LogRecord r) throws IOException {
        if (r.id() == null || r.id().isEmpty()) {
            skip(r, "missing_key", "record has no key");
            return;
        }
        if (r.isDelete()) {
            writer.deleteDocuments(new Term(FieldNames.ID, r.id()));
            appliedCounter.increment();
            return;
        }
        Document doc;
        try {
            doc = parser.parse(r.id(), r.value());
        } catch (BadRecordException e) {
            skip(r, e.reason().tag(), e.getMessage());
            return;
        }
        writer.updateDocument(new Term(FieldNames.ID, r.id()), mapper.toLucene(doc, r.offset()));
        appliedCounter.increment();
    }

    private void skip(LogRecord r, String reason, String message) {
        skipped.incrementAndGet();
        metrics.counter("quarry_ingest_bad_records_total", tags.and("reason", reason)).increment();
        log.warn("[{}] skipped record {}@{} ({}): {}", name, r.partition(), r.offset(), reason, message);
    }

    @Override
    public void tick() throws IOException {
        long now = clock.millis();
        if (changedSinceRefresh && now - lastRefreshMs >= refreshIntervalMs) {
            refresh();
        }
        if (changedSinceCommit && now - lastCommitMs >= commitIntervalMs) {
            commit();
        }
    }

    /** Reopens the searcher; the published checkpoint is exactly what it reflects. */
    public void refresh() throws IOException {
        Checkpoint cp = new Checkpoint(applied);
        refreshTimer.record(() -> {
            try {
                searchers.maybeRefreshBlocking();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        visible = cp;
        lastRefreshMs = clock.millis();
        changedSinceRefresh = false;
    }

    /** Commits the index with the next offset per partition in the commit's user data. */
    public void commit() throws IOException {
        Checkpoint cp = new Checkpoint(applied);
        long t0 = System.nanoTime();
        writer.setLiveCommitData(cp.toCommitData().entrySet());
        writer.commit();
        commitTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        lastCommitMs = clock.millis();
        changedSinceCommit = false;
    }

    @Override
    public Map<Integer, Long> nextOffsets() {
        return Map.copyOf(applied);
    }

    /** What the current searcher reflects. */
    public Checkpoint visibleCheckpoint() {
        return visible;
    }

    public SearcherManager searchers() {
        return searchers;
    }

    /** Records skipped as bad since this writer opened. */
    public long skippedRecords() {
        return skipped.get();
    }

    /** Commits what was applied, then closes. */
    @Override
    public void close() throws IOException {
        try {
            if (changedSinceCommit) {
                commit();
            }
        } finally {
            searchers.close();
            writer.close();
        }
    }
}
