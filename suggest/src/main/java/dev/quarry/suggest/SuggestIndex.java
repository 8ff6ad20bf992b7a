package dev.quarry.suggest;

import dev.quarry.suggest.entries.EntryTable;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.fst.SnapshotCodec;
import dev.quarry.suggest.lookup.HotPrefixCache;
import dev.quarry.suggest.lookup.LiveLookup;
import dev.quarry.suggest.metrics.SuggestMetrics;
import dev.quarry.suggest.snapshot.SnapshotFactory;
import dev.quarry.suggest.snapshot.SnapshotPublisher;
import dev.quarry.suggest.snapshot.SnapshotSink;
import dev.quarry.suggest.snapshot.SnapshotStore;
import dev.quarry.suggest.text.Folding;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One index's typeahead: the facade the Kafka feed writes to and the HTTP server reads from.
 *
 * <p>Writes ({@link #upsert}, {@link #delete}, {@link #setWatermark}) go to the live {@link
 * EntryTable}, which reports every entry change to the streaming delta at once. Reads ({@link
 * #lookup}, {@link #suggest}) merge the published FST snapshot with that delta ({@link LiveLookup}),
 * so a change is visible to the next lookup; the rebuild task folds the delta into a new snapshot
 * now and then (policy: {@link SuggestIndexConfig}). Answers for 1–3 char prefixes are cached per
 * snapshot and delta version ({@link HotPrefixCache}).
 *
 * <p>Matching (INTERFACES.md, "Suggest HTTP"): the query and the texts are {@linkplain Folding
 * folded}; a text matches when its folded form, from position 0 or from the start of one of its
 * words, starts with the folded query. Ranking: weight desc, then text asc. Typo matches (see
 * {@link dev.quarry.suggest.lookup.TypoRule}) fill the places exact matches leave.
 *
 * <p>Persistence: with a data directory, every published snapshot is saved with its offsets and
 * document contributions ({@link SnapshotStore}); {@link Builder#build()} restores the last one, and
 * {@link #watermark()} tells the feed where to resume.
 *
 * <p>Thread-safety: writes may come from any thread (they serialize on the entry table's lock;
 * normally only the feed thread writes). Reads may come from any number of threads and never block:
 * they read one volatile (snapshot, delta) pair. The rebuild task runs on the scheduler thread.
 */
public final class SuggestIndex implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SuggestIndex.class);

  private final String name;
  private final SuggestIndexConfig config;
  private final EntryTable table = new EntryTable();
  private final SuggestMetrics metrics;
  private final SnapshotPublisher publisher;
  private final HotPrefixCache cache = new HotPrefixCache();
  private final ScheduledExecutorService ownedScheduler; // null when none or injected
  private final ScheduledFuture<?> rebuildTask; // null when auto-rebuild is off

  private SuggestIndex(Builder b) {
    this.name = b.name;
    this.config = b.config;
    this.metrics = new SuggestMetrics(b.meterRegistry, name);
    SnapshotStore store = b.dataDir == null ? null : new SnapshotStore(b.dataDir);
    this.publisher =
        new SnapshotPublisher(
            name, table, b.snapshotFactory, store == null ? SnapshotSink.NONE : store, b.clock, metrics);
    if (store != null) {
      restore(store);
    }
    metrics.bindSnapshot(publisher::current, b.clock);
    metrics.bindLive(() -> publisher.served().delta().size(), cache::hitRatio);
    if (config.autoRebuild()) {
      ScheduledExecutorService scheduler = b.scheduler;
      if (scheduler == null) {
        scheduler =
            Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("quarry-suggest-rebuild-" + name).factory());
        this.ownedScheduler = scheduler;
      } else {
        this.ownedScheduler = null;
      }
      long intervalNanos = config.checkInterval().toNanos();
      this.rebuildTask =
          scheduler.scheduleWithFixedDelay(
              this::scheduledRebuild, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    } else {
      this.ownedScheduler = null;
      this.rebuildTask = null;
    }
  }

  /** Starts building an index called {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public SuggestIndexConfig config() {
    return config;
  }

  // ---------------------------------------------------------------------------------- writes

  /**
   * Sets what document {@code docId} contributes: its suggestion texts (the values of the schema's
   * {@code suggest.input} fields) at {@code weight} (0 for a document without the weight field).
   * Replaces whatever the document contributed before.
   */
  public void upsert(String docId, List<String> texts, long weight) {
    table.upsert(docId, texts, weight);
  }

  /** Removes everything document {@code docId} contributes. */
  public void delete(String docId) {
    table.delete(docId);
  }

  /**
   * Reports that every record below these offsets (partition → next offset to consume) has been
   * applied; partitions not mentioned keep their value. Call it after the upserts and deletes of a
   * poll, with offsets that only move forward. Since changes are visible at once (delta), answers
   * serve this watermark from the next lookup on.
   */
  public void setWatermark(Map<Integer, Long> nextOffsets) {
    table.setWatermark(nextOffsets);
  }

  /** {@link #setWatermark(Map)} for one partition. */
  public void setWatermark(int partition, long nextOffset) {
    setWatermark(Map.of(partition, nextOffset));
  }

  // ----------------------------------------------------------------------------------- reads

  /** The top {@code k} (≥ 1) suggestions for the prefix {@code q}; empty if {@code q} folds to "". */
  public List<Suggestion> lookup(String q, int k) {
    return suggest(q, k).suggestions();
  }

  /**
   * {@link #lookup}, with the version of the snapshot under the delta and the watermark: every
   * record below it is reflected (the watermark is read first, so the answer may reflect more).
   */
  public SuggestResult suggest(String q, int k) {
    Objects.requireNonNull(q, "q");
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    long start = System.nanoTime();
    Watermark watermark = table.watermarkStamp().watermark();
    SnapshotPublisher.Served served = publisher.served(); // one read: snapshot + its delta
    String fq = Folding.fold(q);
    List<Suggestion> hits =
        fq.isEmpty()
            ? List.of()
            : cache.get(fq, k, served.snapshot().version(), served.delta().version(),
                () -> LiveLookup.lookup(served.snapshot(), served.delta(), fq, k, config.typos()));
    metrics.recordLookup(System.nanoTime() - start);
    return new SuggestResult(hits, served.snapshot().version(), watermark);
  }

  /** The offsets applied so far (partition → next offset); where a feed resumes after a restore. */
  public Watermark watermark() {
    return table.watermarkStamp().watermark();
  }

  /** Changed texts held in the delta (not yet in a snapshot). */
  public int deltaSize() {
    return publisher.served().delta().size();
  }

  /** The hot-prefix cache's hit ratio so far. */
  public double cacheHitRatio() {
    return cache.hitRatio();
  }

  /** The version of the served snapshot (0 before the first build; +1 per published snapshot). */
  public long snapshotVersion() {
    return publisher.current().version();
  }

  /** The served snapshot. */
  public FstSnapshot snapshot() {
    return publisher.current();
  }

  /** The number of content changes applied to the entry table so far. */
  public long generation() {
    return table.generation();
  }

  /** Live entries (distinct texts) in the entry table, including ones not yet in a snapshot. */
  public int liveEntryCount() {
    return table.size();
  }

  /** Failed snapshot builds so far. */
  public long failedBuilds() {
    return metrics.buildFailures();
  }

  // -------------------------------------------------------------------------------- snapshots

  /**
   * Builds and publishes a snapshot now if anything changed since the served one, on the calling
   * thread; returns the served version afterwards. A failed build is logged and counted, not thrown.
   */
  public long rebuildNow() {
    return publisher.rebuildIfDirty();
  }

  /**
   * What the rebuild task runs every check interval: builds a snapshot if the policy of {@link
   * SuggestIndexConfig} says it is due. Returns whether a new snapshot was published.
   */
  public boolean rebuildIfDue() {
    return publisher.rebuildIfDue(config.maxDeltaEntries(), config.maxDeltaAge(), config.minRebuildGap());
  }

  /**
   * Waits until the served snapshot reflects at least {@code generation} changes (see {@link
   * #generation()}); returns false on timeout.
   */
  public boolean awaitSnapshot(long generation, Duration timeout) throws InterruptedException {
    return publisher.awaitGeneration(generation, timeout);
  }

  /** Stops the rebuild task and removes this index's meters. Lookups keep working. */
  @Override
  public void close() {
    if (rebuildTask != null) {
      rebuildTask.cancel(false);
    }
    if (ownedScheduler != null) {
      ownedScheduler.shutdownNow();
    }
    metrics.close();
  }

  private void scheduledRebuild() {
    try {
      rebuildIfDue();
    } catch (Throwable t) {
      // Failed builds are handled inside; this is a bug. Keep the schedule alive.
      log.error("suggest index {}: rebuild task failed", name, t);
    }
  }

  private void restore(SnapshotStore store) {
    long start = System.nanoTime();
    Optional<SnapshotCodec.Restored> restored = store.load();
    if (restored.isEmpty()) {
      return;
    }
    FstSnapshot snapshot = restored.get().snapshot();
    table.restore(restored.get().docs(), snapshot.generation(), snapshot.watermark());
    publisher.restore(snapshot);
    log.info("suggest index {}: restored snapshot version {} ({} entries, {} documents) in {} ms",
        name, snapshot.version(), snapshot.size(), restored.get().docs().size(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Builds a {@link SuggestIndex}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private SuggestIndexConfig config = SuggestIndexConfig.defaults();
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meterRegistry = new CompositeMeterRegistry(); // no-op meters
    private ScheduledExecutorService scheduler;
    private SnapshotFactory snapshotFactory = SnapshotFactory.FST;
    private Path dataDir;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("index name must not be empty");
      }
      this.name = name;
    }

    public Builder config(SuggestIndexConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** The clock snapshot times and the snapshot-age gauge use (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where the index's meters go (default: none). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Runs the rebuild task on {@code scheduler} (shared; not shut down by {@link #close()}).
     * Default: a daemon thread of the index's own.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** How snapshots are built (default {@link SnapshotFactory#FST}); tests inject failures. */
    public Builder snapshotFactory(SnapshotFactory factory) {
      this.snapshotFactory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * Persists every published snapshot under {@code dir} (this index's own directory) and restores
     * the last one on {@link #build()}. Default: no persistence.
     */
    public Builder dataDir(Path dir) {
      this.dataDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    public SuggestIndex build() {
      return new SuggestIndex(this);
    }
  }
}
