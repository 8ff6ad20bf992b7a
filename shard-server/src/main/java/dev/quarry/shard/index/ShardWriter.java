package dev.quarry.shard.index;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.apply.RecordApplier;
import dev.quarry.ingest.apply.VersionRules;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.KeepOnlyLastCommitDeletionPolicy;
import org.apache.lucene.index.SnapshotDeletionPolicy;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a shard's partitions of the document log to one Lucene index, in offset order, under
 * the {@link VersionRules}: a write applies only when its version (external header, else offset)
 * is greater than the stored one; an upsert replaces the id's document, a delete replaces it with a
 * tombstone that keeps the delete's version for the GC window; a stale write is skipped and
 * counted; a record that is not a valid document under the schema is skipped, counted and handed
 * to the dead-letter sink, never retried. Every
 * {@code refreshIntervalMs} its {@link Refresher} thread reopens the searcher and publishes the
 * {@link Checkpoint} the searcher reflects; every {@code commitIntervalMs} it commits with the next
 * offset per partition in the commit's user data, which is where a restart resumes. Re-applying a
 * record is harmless (replace-by-id), so the uncommitted tail replays safely after a crash.
 *
 * <p>Refreshes run beside the apply thread (on the apply thread, every record arriving during a
 * refresh of 0.2–1.5 s waited for it, and the freshness lag grew by that backlog). A refresh takes
 * the {@code applyGate} between two batches, reads the applied offsets, starts a new generation
 * of the {@link VersionLookup} and starts the reopen; it lets go of the gate at the reopen's
 * cut-over ({@link GateReleasingDirectory}), when Lucene has fixed which writes the new reader
 * holds, and writes go on while the reopen flushes. So the reopened searcher holds exactly the
 * writes applied before the offsets were read, and the published checkpoint names exactly what the
 * searcher shows: never a write it does not show (read-your-writes), never a write it shows but does
 * not name (a cursor's first page states the checkpoint its snapshot is at).
 *
 * <p>Periodic commits run on the writer's own commit thread: a commit fsyncs every file written
 * since the last one, merged segments included, which took 0.3–1.1 s on a busy 2-core machine,
 * and on the apply thread it held back every write and refresh of the replica meanwhile. A commit
 * must still hold exactly the writes its offsets cover (so that a restart replays the rest with the
 * same outcomes, stale or applied, as the first time). So the commit thread takes the
 * {@code applyGate} (held by the apply thread while it applies a batch), reads the offsets, and
 * starts the commit; the commit's cut-over opens the gate ({@link GateReleasingDirectory}): writes
 * go on during the commit's flush and fsyncs, which {@link IndexWriter} allows, and land in the next
 * commit. A periodic commit first waits for the next refresh to publish: that refresh has just
 * flushed the buffer, so the commit's flush is small, and refreshes wait for it (the commit holds
 * the refresh lock until its flush is over; both take the writer's flush lock).
 *
 * <p>Thread-safety: {@link #apply}, {@link #tick}, {@link #commit}, {@link #nextOffsets} and
 * {@link #close} run on the apply loop's thread only (the {@code applied} map and the other
 * unguarded mutable fields are confined to it), except that the commit thread reads {@code applied}
 * and {@code maxTimestampMs}, and the refresh thread reads {@code applied} and switches the
 * {@link VersionLookup} generation (the apply thread or the next refresh drops the generation a
 * refresh made visible: the refresh publishes without taking the gate again), while holding
 * {@code applyGate}, which the apply thread holds whenever it changes them or uses the lookup.
 * {@link #refresh} may run on any thread (the refresh thread, or a test); {@code refreshLock} lets
 * one run at a time, and keeps refreshes out during a periodic commit's flush. Lock order:
 * {@code refreshLock}, then {@code applyGate}; no thread waits for {@code refreshLock} while holding
 * the gate. The commit
 * thread reports failure through a volatile flag; at most one commit runs at a time (the apply thread
 * starts one only when the last is done, and waits for it before a synchronous commit or close).
 * {@link #visibleCheckpoint} and {@link #searchers} may be used from any thread: the checkpoint is an
 * immutable value published through a volatile field, and {@link SearcherManager} is thread-safe.
 */
public final class ShardWriter implements RecordApplier, Closeable {
    private static final Logger log = LoggerFactory.getLogger(ShardWriter.class);

    private final String name;
    private final DocumentParser parser;
    private final DocumentMapper mapper;
    private final IndexWriter writer;
    /** Keeps a commit's files while a peer copies them. Thread-safe (internally synchronized). */
    private final SnapshotDeletionPolicy commits;
    private final SearcherManager searchers;
    private final Clock clock;
    private final long refreshIntervalMs;
    private final long commitIntervalMs;
    private final MeterRegistry metrics;
    private final Tags tags;
    private final Counter appliedCounter;
    private final Timer refreshTimer;
    /** How long a refresh waited for the refresh lock (a commit's flush) and the apply gate (a batch) before its reopen. */
    private final Timer refreshWaitTimer;
    private final Timer commitTimer;
    private final AtomicLong skipped = new AtomicLong();
    private final Counter staleCounter;
    private final long gcWindowMs;
    private final VersionLookup versions;
    private final WriteOutcomes outcomes = new WriteOutcomes();
    private final java.util.function.Consumer<DeadLetter> deadLetters;
    /**
     * Held by the apply thread while it applies a batch, and by a periodic commit or a refresh from
     * reading the offsets until the cut-over of its full flush ({@link GateReleasingDirectory}; a
     * refresh publishes without taking it again). Fair, and a batch hands it over between two records when someone waits
     * ({@link #letWaiterIn}), so a waiting refresh or commit starts after at most one record.
     */
    private final java.util.concurrent.locks.ReentrantLock applyGate = new java.util.concurrent.locks.ReentrantLock(true);
    /** One refresh at a time (the refresh thread, or a direct caller). */
    private final java.util.concurrent.locks.ReentrantLock refreshLock = new java.util.concurrent.locks.ReentrantLock();
    private final Refresher refresher;
    /**
     * Set by a refresh once its searcher is current; the holder of {@code applyGate} then drops the
     * version generation that searcher reflects ({@link #dropRefreshedGeneration}).
     */
    private final java.util.concurrent.atomic.AtomicBoolean refreshedGeneration = new java.util.concurrent.atomic.AtomicBoolean();
    /** Runs the periodic commits, one at a time (a single daemon thread). */
    private final ExecutorService committer;
    /** The last periodic commit started (apply thread). */
    private Future<?> inFlightCommit;
    /** Set by the commit thread when a commit failed; the apply thread then commits again at the next interval. */
    private volatile boolean commitFailed;

    /** Confined to the apply thread. */
    private final Map<Integer, Long> applied = new HashMap<>();
    private long lastCommitMs;
    /** Apply thread: when documents last changed, and whether the idle merge ran since. */
    private long lastChangeMs;
    private boolean mergedSinceChange;
    /** Quiet time after which a shard merges to one segment. */
    static final long IDLE_MERGE_AFTER_MS = 30_000;
    /** Larger shards are left to the merge policy (a full rewrite would take too long). */
    static final int IDLE_MERGE_MAX_DOCS = 5_000_000;
    private boolean changedSinceCommit;
    /** Newest Kafka timestamp applied: the clock of the tombstone GC window (apply thread). */
    private long maxTimestampMs = Long.MIN_VALUE;

    /** Guards waiting for visibility; {@link #visible} changes are announced with notifyAll on it. */
    private final Object visibility = new Object();
    private volatile Checkpoint visible;
    /** Refreshes published, and whether the writer is closing (guarded by {@code visibility}). */
    private long publications;
    private boolean closing;

    /** A writer refreshing on the grid at phase 0 (see {@link Refresher}); for a single shard or a test. */
    public ShardWriter(String name, IndexSchema schema, Directory dir, Clock clock, long commitIntervalMs, long gcWindowMs,
                       java.util.function.Consumer<DeadLetter> deadLetters, MeterRegistry metrics, Tags tags) throws IOException {
        this(name, 0L, schema, dir, clock, commitIntervalMs, gcWindowMs, deadLetters, metrics, tags);
    }

    /** The writer of shard {@code shard} of index {@code index}: its refreshes follow that shard's grid ({@link Refresher#phaseMs}). */
    public ShardWriter(String index, int shard, IndexSchema schema, Directory dir, Clock clock, long commitIntervalMs, long gcWindowMs,
                       java.util.function.Consumer<DeadLetter> deadLetters, MeterRegistry metrics, Tags tags) throws IOException {
        this(index + "/" + shard, Refresher.phaseMs(index, shard, schema.shards(), schema.refreshIntervalMs()), schema, dir, clock,
                commitIntervalMs, gcWindowMs, deadLetters, metrics, tags);
    }

    private ShardWriter(String name, long refreshPhaseMs, IndexSchema schema, Directory dir, Clock clock, long commitIntervalMs, long gcWindowMs,
                        java.util.function.Consumer<DeadLetter> deadLetters, MeterRegistry metrics, Tags tags) throws IOException {
        this.name = name;
        this.parser = new DocumentParser(schema);
        this.mapper = new DocumentMapper(schema);
        this.clock = clock;
        this.refreshIntervalMs = schema.refreshIntervalMs();
        this.commitIntervalMs = commitIntervalMs;
        this.metrics = metrics;
        this.tags = tags;
        this.commits = new SnapshotDeletionPolicy(new KeepOnlyLastCommitDeletionPolicy());
        IndexWriterConfig cfg = new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setIndexDeletionPolicy(commits)
                .setRAMBufferSizeMB(64)
                // Lucene's default lets a refresh wait up to 500 ms for merges of the small segments it
                // just flushed ("merge on refresh"): that wait is freshness lag. The merge scheduler
                // merges them in the background after the refresh anyway.
                .setMaxFullFlushMergeWaitMillis(0);
        this.writer = new IndexWriter(new GateReleasingDirectory(dir), cfg);
        if (!DirectoryReader.indexExists(dir)) {
            writer.commit(); // a first, empty commit: a peer may copy it, and restarts find one
        }
        Checkpoint committed = Checkpoint.fromCommitData(writer.getLiveCommitData());
        this.applied.putAll(committed.nextOffsets());
        this.searchers = new SearcherManager(writer, new SearcherFactory());
        this.gcWindowMs = gcWindowMs;
        this.versions = new VersionLookup(searchers, gcWindowMs);
        this.deadLetters = deadLetters;
        this.staleCounter = metrics.counter("quarry_ingest_stale_total", tags);
        this.visible = committed;
        this.outcomes.startAt(committed.nextOffsets());
        this.lastCommitMs = clock.millis();
        this.lastChangeMs = lastCommitMs;
        this.appliedCounter = metrics.counter("quarry_ingest_applied_total", tags);
        this.refreshTimer = metrics.timer("quarry_shard_refresh", tags);
        this.refreshWaitTimer = metrics.timer("quarry_shard_refresh_wait", tags);
        this.commitTimer = metrics.timer("quarry_shard_commit", tags);
        this.committer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "commit-" + name);
            t.setDaemon(true);
            return t;
        });
        this.refresher = new Refresher(name, refreshIntervalMs, refreshPhaseMs, this::refresh);
        refresher.start();
        log.info("[{}] opened at committed offsets {}", name, committed.nextOffsets());
    }

    @Override
    public void apply(List<LogRecord> batch) throws IOException {
        applyGate.lock();
        try {
            dropRefreshedGeneration();
            versions.prefetch(idsOf(batch, 0));
            for (int i = 0; i < batch.size(); i++) {
                if (i > 0 && applyGate.hasQueuedThreads()) { // before the first record it would only prefetch again
                    letWaiterIn(batch, i);
                }
                LogRecord r = batch.get(i);
                Long next = applied.get(r.partition());
                if (next != null && r.offset() < next) {
                    continue; // already applied (replay after a rewind)
                }
                applyOne(r);
                applied.put(r.partition(), r.offset() + 1);
            }
        } finally {
            applyGate.unlock();
        }
        if (!batch.isEmpty()) {
            refresher.changed();
            changedSinceCommit = true;
            lastChangeMs = clock.millis();
            mergedSinceChange = false;
        }
    }

    /**
     * A refresh or a commit waits for the gate in the middle of a batch: lets it in between two
     * records (the fair gate hands it over), so that it waits for one record instead of up to a whole
     * batch. A batch of 2,000 records held a refresh back by 95 ms at the median and up to 0.57 s
     * in the ingest benchmark, and all of that was freshness lag. The offsets are consistent between
     * two records. The refresh may have dropped the prefetched versions, so they are fetched again
     * for the records left.
     */
    private void letWaiterIn(List<LogRecord> batch, int from) throws IOException {
        applyGate.unlock();
        applyGate.lock();
        dropRefreshedGeneration();
        versions.prefetch(idsOf(batch, from));
    }

    private static List<String> idsOf(List<LogRecord> batch, int from) {
        List<String> ids = new ArrayList<>(batch.size() - from);
        for (LogRecord r : batch.subList(from, batch.size())) {
            if (r.id() != null && !r.id().isEmpty()) {
                ids.add(r.id());
            }
        }
        return ids;
    }

    private void applyOne(LogRecord r) throws IOException {
        maxTimestampMs = Math.max(maxTimestampMs, r.timestampMs());
        if (r.id() == null || r.id().isEmpty()) {
            skip(r, "missing_key", "record has no key");
            return;
        }
        long version;
        Document doc = null;
        try {
            version = VersionRules.versionOf(r);
            if (!r.isDelete()) {
                doc = parser.parse(r.id(), r.value());
            }
        } catch (BadRecordException e) {
            skip(r, e.reason().tag(), e.getMessage());
            return;
        }
        VersionLookup.Stored stored = versions.stored(r.id());
        if (!VersionRules.applies(versions.effectiveVersion(stored, r.timestampMs()), version)) {
            staleCounter.increment();
            outcomes.record(r.partition(), r.offset(), WriteOutcome.STALE);
            return;
        }
        org.apache.lucene.document.Document lucene = doc == null
                ? DocumentMapper.tombstone(r.id(), version, r.timestampMs())
                : mapper.toLucene(doc, version);
        if (stored == null) {
            writer.addDocument(lucene); // nothing to replace: skips the delete-by-term every flush would resolve
        } else {
            writer.updateDocument(new Term(FieldNames.ID, r.id()), lucene);
        }
        versions.record(r.id(), new VersionLookup.Stored(version, doc == null, doc == null ? r.timestampMs() : 0));
        appliedCounter.increment();
        outcomes.record(r.partition(), r.offset(), WriteOutcome.APPLIED);
    }

    private void skip(LogRecord r, String reason, String message) {
        skipped.incrementAndGet();
        outcomes.record(r.partition(), r.offset(), WriteOutcome.REJECTED);
        deadLetters.accept(new DeadLetter(r, reason, message));
        metrics.counter("quarry_ingest_bad_records_total", tags.and("reason", reason)).increment();
        log.warn("[{}] skipped record {}@{} ({}): {}", name, r.partition(), r.offset(), reason, message);
    }

    @Override
    public void tick() throws IOException {
        long now = clock.millis();
        if (commitFailed) {
            commitFailed = false;
            changedSinceCommit = true; // try again at the next interval
        }
        if (changedSinceCommit && now - lastCommitMs >= commitIntervalMs && (inFlightCommit == null || inFlightCommit.isDone())) {
            lastCommitMs = now;
            changedSinceCommit = false;
            inFlightCommit = committer.submit(this::periodicCommit);
        } else if (!mergedSinceChange && now - lastChangeMs >= IDLE_MERGE_AFTER_MS && (inFlightCommit == null || inFlightCommit.isDone())) {
            mergedSinceChange = true;
            inFlightCommit = committer.submit(this::idleMerge);
        }
    }

    /**
     * A shard that has taken no writes for {@link #IDLE_MERGE_AFTER_MS} is merged down to one segment
     * (when it holds at most {@link #IDLE_MERGE_MAX_DOCS} documents): every query then does one term
     * lookup per term instead of one per segment, and deleted documents stop counting in the scoring
     * statistics. Runs on the commit thread; writes arriving meanwhile are applied as usual.
     */
    private void idleMerge() {
        try {
            int segments;
            org.apache.lucene.search.IndexSearcher current = searchers.acquire();
            try {
                segments = current.getIndexReader().leaves().size();
            } finally {
                searchers.release(current);
            }
            if (segments <= 1 || writer.getDocStats().maxDoc > IDLE_MERGE_MAX_DOCS) {
                return;
            }
            long t0 = System.nanoTime();
            writer.forceMerge(1, true);
            refresher.request();
            log.info("[{}] idle: merged {} segments into one in {} ms", name, segments, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            log.warn("[{}] idle merge failed: {}", name, e.toString());
        }
    }

    /**
     * Reopens the searcher and publishes the offsets applied when the reopen started: the searcher
     * reflects exactly those (see the class comment). Runs on the refresh thread; callable from any
     * thread that does not hold the apply gate.
     */
    public void refresh() throws IOException {
        long waitStart = System.nanoTime();
        refreshLock.lock();
        try {
            Checkpoint cp;
            long t0;
            applyGate.lock(); // released at the reopen's cut-over (see GateReleasingDirectory), or below when it writes nothing
            try {
                cp = new Checkpoint(applied);
                dropRefreshedGeneration();
                versions.beforeRefresh();
                t0 = System.nanoTime();
                refreshWaitTimer.record(t0 - waitStart, TimeUnit.NANOSECONDS);
                gateUntilCutOver = Thread.currentThread();
                searchers.maybeRefreshBlocking();
            } finally {
                gateUntilCutOver = null;
                if (applyGate.isHeldByCurrentThread()) {
                    applyGate.unlock();
                }
            }
            refreshTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            refreshedGeneration.set(true); // the writes before cp are in the current searcher: the lookup may drop them
            refreshListener.accept(cp);
            synchronized (visibility) {
                visible = cp;
                publications++;
                visibility.notifyAll();
            }
            publishedListener.accept(cp);
        } finally {
            refreshLock.unlock();
        }
    }

    /**
     * Lets the {@link VersionLookup} forget the generation the last refresh made visible, if it has
     * not yet. Caller holds {@code applyGate}. Done here, by the next batch or the next refresh,
     * rather than by the refresh itself: a refresh that took the gate again after its reopen waited
     * for a whole batch or a commit's flush (up to 0.35 s measured) before it could publish.
     */
    private void dropRefreshedGeneration() {
        if (refreshedGeneration.getAndSet(false)) {
            versions.afterRefresh();
        }
    }

    /**
     * Commits now, on the calling (apply) thread, with the next offset per partition in the
     * commit's user data; first waits for a periodic commit in progress.
     */
    public void commit() throws IOException {
        awaitInFlightCommit();
        commitNow(new Checkpoint(applied), tombstoneCutoff(), false);
        lastCommitMs = clock.millis();
        changedSinceCommit = false;
    }

    /**
     * Commit thread: waits (bounded by twice the refresh interval, and by the commit interval) until
     * the next refresh has published, so that the commit starts right after a refresh instead of in
     * the middle of one. A refresh has then just flushed the buffered writes, so the commit's own
     * flushes are short; started at any moment, the commit's flush (0.4–1.2 s measured on a busy
     * machine) and the refresh's held each other up on the writer's flush lock, and a commit holding
     * the apply gate over its flush delayed the refresh that read its offsets next.
     */
    private void awaitNextPublication() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(2 * refreshIntervalMs, commitIntervalMs));
        synchronized (visibility) {
            long seen = publications;
            for (long left = deadline - System.nanoTime(); publications == seen && !closing && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(visibility, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Ends a commit's {@link #awaitNextPublication}: no refresh comes after this. */
    private void stopAwaitingPublications() {
        synchronized (visibility) {
            closing = true;
            visibility.notifyAll();
        }
    }

    /** Commit thread: a commit holding exactly the writes applied when it took the gate (see the class comment). */
    private void periodicCommit() {
        awaitNextPublication();
        // The refresh lock first, released once the commit's flush is over: a refresh holds the apply gate until its
        // reopen's cut-over, and one that waited for the writer's flush lock behind this commit's flush would hold
        // back the apply thread meanwhile. The gate is released at the commit's cut-over.
        refreshLock.lock();
        applyGate.lock();
        Checkpoint cp = null;
        try {
            cp = new Checkpoint(applied);
            commitNow(cp, tombstoneCutoff(), true);
        } catch (IOException | RuntimeException e) {
            log.error("[{}] commit at {} failed; retrying at the next commit interval", name, cp == null ? "?" : cp.nextOffsets(), e);
            commitFailed = true;
        } finally {
            if (applyGate.isHeldByCurrentThread()) {
                applyGate.unlock();
            }
            if (refreshLock.isHeldByCurrentThread()) {
                refreshLock.unlock();
            }
        }
    }

    /**
     * Lets go of the apply gate at the <em>cut-over</em> of a full flush: the first file that the
     * thread in {@code gateUntilCutOver} (a refresh's reopen, or a periodic commit, inside
     * {@link IndexWriter}) writes or fsyncs. A full flush ({@link IndexWriter#getReader} behind a
     * reopen, or {@link IndexWriter#commit}) first swaps in a new delete queue and marks every buffered
     * segment for flushing, and only then writes any file; documents and deletes after that cut-over go
     * to new buffers that the running full flush neither flushes nor applies (Lucene holds their
     * flushes back until it ends). So the reopened searcher, or the commit, holds exactly the writes
     * applied before the gate was taken: a published checkpoint names exactly what its searcher shows
     * (a checkpoint read before the reopen and a gate let go before it made the checkpoint only a
     * lower bound: writes applied in between were visible but not claimed, and a cursor's oracle at
     * that checkpoint missed them), and a commit's offsets are exactly its restart point. Holding the
     * gate for the whole reopen or commit instead held back the apply thread for 0.2–0.6 s on a busy
     * machine. Only the named thread lets go: the apply thread holds the gate while it indexes and may
     * write files then (a full indexing buffer is flushed on the indexing thread), and merge threads
     * write files at any time.
     *
     * <p>A periodic commit also holds the refresh lock until its first fsync ({@code refreshLockUntilSync}):
     * the commit's flush is over by then, and a refresh that started earlier would wait for the
     * writer's flush lock while holding the gate.
     */
    private final class GateReleasingDirectory extends org.apache.lucene.store.FilterDirectory {
        GateReleasingDirectory(Directory in) {
            super(in);
        }

        @Override
        public org.apache.lucene.store.IndexOutput createOutput(String name, org.apache.lucene.store.IOContext context) throws IOException {
            releaseGateAtCutOver();
            return super.createOutput(name, context);
        }

        @Override
        public org.apache.lucene.store.IndexOutput createTempOutput(String prefix, String suffix, org.apache.lucene.store.IOContext context)
                throws IOException {
            releaseGateAtCutOver();
            return super.createTempOutput(prefix, suffix, context);
        }

        @Override
        public void sync(java.util.Collection<String> names) throws IOException {
            releaseGateAtCutOver();
            if (refreshLockUntilSync == Thread.currentThread()) {
                refreshLockUntilSync = null;
                refreshLock.unlock();
            }
            super.sync(names);
        }

        private void releaseGateAtCutOver() {
            if (gateUntilCutOver == Thread.currentThread()) {
                gateUntilCutOver = null;
                applyGate.unlock();
            }
        }
    }

    /**
     * The thread inside {@link IndexWriter} that holds the apply gate until its full flush cuts over
     * (see {@link GateReleasingDirectory}); set and cleared only by the gate's holder.
     */
    private volatile Thread gateUntilCutOver;
    /** The commit thread inside {@link IndexWriter#commit} holding the refresh lock until its first fsync; set and cleared only by the lock's holder. */
    private volatile Thread refreshLockUntilSync;

    /**
     * Commits with {@code cp} as the restart point, holding exactly the writes {@code cp} covers: either the caller makes sure
     * none are applied meanwhile, or ({@code releaseEarly}) it holds the apply gate and the refresh lock, which are then let go
     * of once the commit's contents are fixed and once its flush is over.
     */
    private void commitNow(Checkpoint cp, long tombstoneCutoff, boolean releaseEarly) throws IOException {
        long t0 = System.nanoTime();
        purgeTombstones(tombstoneCutoff);
        writer.setLiveCommitData(cp.toCommitData().entrySet());
        if (releaseEarly) { // only now: purgeTombstones may flush a full buffer, before the commit's cut-over
            gateUntilCutOver = Thread.currentThread();
            refreshLockUntilSync = Thread.currentThread();
        }
        try {
            writer.commit();
        } finally {
            if (releaseEarly) {
                gateUntilCutOver = null;
                refreshLockUntilSync = null;
            }
        }
        commitTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }

    private void awaitInFlightCommit() throws IOException {
        Future<?> f = inFlightCommit;
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a commit of " + name);
        } catch (ExecutionException e) {
            throw new IOException("commit of " + name + " failed", e.getCause()); // not thrown: the task catches its failures
        }
    }

    /** Tombstones deleted before this log time are past the GC window (apply thread); Long.MIN_VALUE before any record. */
    private long tombstoneCutoff() {
        return maxTimestampMs == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestampMs - gcWindowMs;
    }

    /**
     * Physically removes tombstones past the GC window. They already count as absent for the
     * version rules (see {@link VersionLookup}); this only reclaims their space.
     */
    private void purgeTombstones(long cutoff) throws IOException {
        if (cutoff == Long.MIN_VALUE) {
            return;
        }
        writer.deleteDocuments(new BooleanQuery.Builder()
                .add(new TermQuery(new Term(FieldNames.TOMBSTONE, "T")), BooleanClause.Occur.FILTER)
                .add(LongPoint.newRangeQuery(FieldNames.DELETED_AT, Long.MIN_VALUE, cutoff - 1), BooleanClause.Occur.FILTER)
                .build());
    }

    /** Pins the newest commit so its files survive until {@link #releaseCommit}; for peer recovery. */
    public IndexCommit snapshotCommit() throws IOException {
        return commits.snapshot();
    }

    public void releaseCommit(IndexCommit commit) throws IOException {
        commits.release(commit);
        writer.deleteUnusedFiles();
    }

    /** The outcome of the write at {@code partition@offset}, once applied (for synchronous writes). */
    public WriteOutcomes outcomes() {
        return outcomes;
    }

    @Override
    public Map<Integer, Long> nextOffsets() {
        return Map.copyOf(applied);
    }

    /**
     * Waits until the searcher reflects, per partition, the record at the given offset; false if
     * that takes longer than {@code timeoutMs}. First waits until those records are applied, then
     * asks for an early refresh: a refresh asked for earlier would publish a checkpoint without them
     * (and, asked for again and again, would keep the refresh thread busy for nothing).
     */
    public boolean awaitVisible(Map<Integer, Long> offsets, long timeoutMs) throws InterruptedException {
        if (covers(visible, offsets)) {
            return true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!visible.covers(e.getKey(), e.getValue()) && (leftMs <= 0 || outcomes.await(e.getKey(), e.getValue(), leftMs) == null)) {
                return false;
            }
        }
        synchronized (visibility) {
            while (!covers(visible, offsets)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                refresher.request(); // the next refresh to start covers the offsets, which are applied
                TimeUnit.NANOSECONDS.timedWait(visibility, left);
            }
        }
        return true;
    }

    private static boolean covers(Checkpoint cp, Map<Integer, Long> offsets) {
        for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
            if (!cp.covers(e.getKey(), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Called on the refreshing thread after each refresh, before the new checkpoint is published. */
    public void onRefresh(IoConsumer<Checkpoint> listener) {
        this.refreshListener = listener;
    }

    /** Called on the refreshing thread after each refresh, once its checkpoint is published: housekeeping that must not delay it. */
    public void onPublished(IoConsumer<Checkpoint> listener) {
        this.publishedListener = listener;
    }

    private volatile IoConsumer<Checkpoint> publishedListener = cp -> { };

    /** A consumer that may throw {@link IOException}. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T value) throws IOException;
    }

    private volatile IoConsumer<Checkpoint> refreshListener = cp -> { };

    /** What the current searcher reflects. */
    public Checkpoint visibleCheckpoint() {
        return visible;
    }

    public SearcherManager searchers() {
        return searchers;
    }

    /** How long, at least, the newest searcher stays the newest unless a refresh is requested ({@link Refresher#quietForMs}). */
    public long quietForMs() {
        return refresher.quietForMs();
    }

    /** Records skipped as bad since this writer opened. */
    public long skippedRecords() {
        return skipped.get();
    }

    /** Test hook: loses everything since the last commit, as a crash would, and closes. */
    void crash() throws IOException {
        stopAwaitingPublications();
        refresher.close();
        try {
            awaitInFlightCommit(); // a commit is atomic: a crash keeps it whole or loses it whole
        } finally {
            committer.shutdownNow();
            searchers.close();
            writer.rollback();
        }
    }

    /** Test hook: starts a periodic commit now, as {@link #tick} does when the interval has passed. */
    void startPeriodicCommit() throws IOException {
        lastCommitMs = Long.MIN_VALUE / 2;
        changedSinceCommit = true;
        tick();
    }

    /** Test hook: waits for the periodic commit in progress, if any. */
    void awaitPeriodicCommit() throws IOException {
        awaitInFlightCommit();
    }

    /** Commits what was applied, then closes. */
    @Override
    public void close() throws IOException {
        stopAwaitingPublications();
        refresher.close();
        try {
            awaitInFlightCommit();
            if (changedSinceCommit || commitFailed) {
                commit();
            }
        } finally {
            committer.shutdown();
            searchers.close();
            writer.close();
        }
    }
}
