package dev.quarry.suggest;

import dev.quarry.suggest.entries.EntryTable;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.metrics.SuggestMetrics;
import dev.quarry.suggest.snapshot.SnapshotFactory;
import dev.quarry.suggest.snapshot.SnapshotPublisher;
import dev.quarry.suggest.text.Folding;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * EntryTable}. Reads ({@link #lookup}, {@link #suggest}) go to the published {@link FstSnapshot}
 * only, so a change becomes visible with the next snapshot: within about one rebuild interval
 * when auto-rebuild is on, or after {@link #rebuildNow()}.
 *
 * <p>Matching (INTERFACES.md, "Suggest HTTP"): the query and the texts are {@linkplain Folding
 * folded}; a text matches when its folded form, from position 0 or from the start of one of its
 * words, starts with the folded query. Ranking: weight desc, then text asc.
 *
 * <p>Thread-safety: writes may come from any thread (they serialize on the entry table's lock;
 * normally only the feed thread writes). Reads may come from any number of threads and never block:
 * they read one volatile snapshot reference. The rebuild task runs on the scheduler thread.
 */
public final class SuggestIndex implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SuggestIndex.class);

  private final String name;
  private final SuggestIndexConfig config;
  private final EntryTable table = new EntryTable();
  private final SuggestMetrics metrics;
  private final SnapshotPublisher publisher;
  private final ScheduledExecutorService ownedScheduler; // null when none or injected
  private final ScheduledFuture<?> rebuildTask; // null when auto-rebuild is off

  private SuggestIndex(Builder b) {
    this.name = b.name;
    this.config = b.config;
    this.metrics = new SuggestMetrics(b.meterRegistry, name);
    this.publisher = new SnapshotPublisher(name, table, b.snapshotFactory, b.clock, metrics);
    metrics.bindSnapshot(publisher::current, b.clock);
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
      long intervalNanos = config.rebuildInterval().toNanos();
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
   * poll, with offsets that only move forward: the next snapshot then serves this watermark. If
   * the table's content is still the served snapshot's (the records changed no entry), that
   * snapshot serves it right away, since its content is what the watermark describes.
   */
  public void setWatermark(Map<Integer, Long> nextOffsets) {
    table.setWatermark(nextOffsets);
    publisher.offerLatestWatermark();
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

  /** {@link #lookup}, with the snapshot version and the watermark that answer reflects. */
  public SuggestResult suggest(String q, int k) {
    Objects.requireNonNull(q, "q");
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    long start = System.nanoTime();
    SnapshotPublisher.Served served = publisher.served(); // one read: snapshot + its watermark
    List<Suggestion> hits = served.snapshot().topK(Folding.fold(q), k);
    metrics.recordLookup(System.nanoTime() - start);
    return new SuggestResult(hits, served.snapshot().version(), served.watermark());
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
      publisher.rebuildIfDirty();
    } catch (Throwable t) {
      // Failed builds are handled inside; this is a bug. Keep the schedule alive.
      log.error("suggest index {}: rebuild task failed", name, t);
    }
  }

  /** Builds a {@link SuggestIndex}; every setting has a default. */
  public static final class Builder {
    private final String name;
    private SuggestIndexConfig config = SuggestIndexConfig.defaults();
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meterRegistry = new CompositeMeterRegistry(); // no-op meters
    private ScheduledExecutorService scheduler;
    private SnapshotFactory snapshotFactory = SnapshotFactory.FST;

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

    public SuggestIndex build() {
      return new SuggestIndex(this);
    }
  }
}
