package dev.quarry.suggest.snapshot;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.delta.Delta;
import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.entries.EntryListener;
import dev.quarry.suggest.entries.EntryTable;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.metrics.SuggestMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Double-buffered snapshots with a streaming delta: lookups read one {@link Served} pair, an
 * immutable {@link FstSnapshot} and the {@link Delta} of every entry change made since that
 * snapshot's capture, and never wait. A rebuild captures the entry table, builds a new snapshot
 * off-lock, then, holding the table's lock (so no change slips between the two), publishes the new
 * snapshot with a new delta holding only the changes made after the capture. A lookup sees the old
 * pair or the new pair, never a mix, and both give the same answers for the same table state.
 *
 * <p>States of the published snapshot: version 0 (empty, or restored from disk) → version n+1
 * after each successful build. A failed build (any exception, or {@link OutOfMemoryError}) leaves
 * the pair in place, is logged and counted, and is retried at the next rebuild.
 *
 * <p>Thread-safety: {@link #served} is volatile, read without locks, written only while holding
 * both {@link #buildLock} and the table's lock (or in {@link #restore}, before the index is
 * shared). The delta is written by the table's listener callbacks, under the table's lock.
 * {@link #consecutiveFailures} and {@link #lastBuildEndMillis} are guarded by {@link #buildLock}.
 * Lock order: {@code buildLock} → the table's lock → {@link #publishMonitor}; nothing takes them in
 * another order.
 */
public final class SnapshotPublisher implements EntryListener {

  private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final String indexName;
  private final EntryTable table;
  private final SnapshotFactory factory;
  private final SnapshotSink sink;
  private final Clock clock;
  private final SuggestMetrics metrics;
  private final ReentrantLock buildLock = new ReentrantLock();
  /** Waited on by {@link #awaitGeneration}; notified on every publish. */
  private final Object publishMonitor = new Object();

  /** A snapshot and the changes made since its capture; replaced as a whole. */
  public record Served(FstSnapshot snapshot, Delta delta) {}

  private volatile Served served;
  // @GuardedBy("buildLock")
  private int consecutiveFailures;
  // @GuardedBy("buildLock")
  private long lastBuildEndMillis = Long.MIN_VALUE;

  public SnapshotPublisher(
      String indexName,
      EntryTable table,
      SnapshotFactory factory,
      SnapshotSink sink,
      Clock clock,
      SuggestMetrics metrics) {
    this.indexName = Objects.requireNonNull(indexName, "indexName");
    this.table = Objects.requireNonNull(table, "table");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.served =
        new Served(
            FstSnapshot.empty(0, 0, dev.quarry.suggest.Watermark.EMPTY, clock.instant()), new Delta());
    table.listener(this);
  }

  /** Serves {@code restored} (loaded from disk, matching the restored table) with an empty delta. */
  public void restore(FstSnapshot restored) {
    served = new Served(restored, new Delta());
  }

  /** The published snapshot; never null, never blocks. */
  public FstSnapshot current() {
    return served.snapshot();
  }

  /** The published pair; never null, never blocks. */
  public Served served() {
    return served;
  }

  @Override
  public void changed(String text, Suggestion best, long generation) {
    served.delta().record(text, best, generation, clock.millis());
  }

  @Override
  public void committed(long generation) {
    served.delta().commit();
  }

  /**
   * Builds and publishes a snapshot if the table changed since the current one; returns the version
   * published afterwards (unchanged when clean or when the build failed).
   */
  public long rebuildIfDirty() {
    buildLock.lock();
    try {
      FstSnapshot old = current();
      if (table.generation() == old.generation()) {
        return old.version();
      }
      long start = System.nanoTime();
      FstSnapshot next;
      EntryCapture capture;
      try {
        capture = table.capture();
        next = factory.build(capture, old.version() + 1, clock.instant());
      } catch (Exception | OutOfMemoryError e) {
        lastBuildEndMillis = clock.millis();
        onFailure(old, e);
        return old.version();
      }
      metrics.recordBuild(System.nanoTime() - start);
      publish(next);
      lastBuildEndMillis = clock.millis();
      if (consecutiveFailures > 0) {
        log.info(
            "suggest index {}: snapshot build recovered after {} failures; published version {}",
            indexName, consecutiveFailures, next.version());
        consecutiveFailures = 0;
      }
      persist(next, capture);
      return next.version();
    } finally {
      buildLock.unlock();
    }
  }

  /**
   * The rebuild policy ({@link dev.quarry.suggest.SuggestIndexConfig}): rebuilds when the delta is
   * large or old and the last build ended long enough ago. Returns whether it built.
   */
  public boolean rebuildIfDue(int maxDeltaEntries, Duration maxDeltaAge, Duration minGap) {
    Delta delta = served.delta();
    int size = delta.size();
    if (size == 0) {
      return false;
    }
    boolean large = size >= maxDeltaEntries;
    boolean old = clock.millis() - delta.oldestMillis() >= maxDeltaAge.toMillis();
    if (!large && !old) {
      return false;
    }
    buildLock.lock();
    try {
      if (lastBuildEndMillis != Long.MIN_VALUE && clock.millis() - lastBuildEndMillis < minGap.toMillis()) {
        return false;
      }
      long before = current().version();
      return rebuildIfDirty() != before;
    } finally {
      buildLock.unlock();
    }
  }

  /**
   * Waits until the published snapshot reflects at least {@code generation} table changes; returns
   * false on timeout.
   */
  public boolean awaitGeneration(long generation, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (publishMonitor) {
      while (current().generation() < generation) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(publishMonitor, remaining);
      }
      return true;
    }
  }

  // @GuardedBy("buildLock")
  private void publish(FstSnapshot next) {
    table.locked(
        () -> {
          served = new Served(next, served.delta().retainNewerThan(next.generation()));
          return null;
        });
    synchronized (publishMonitor) {
      publishMonitor.notifyAll();
    }
  }

  // @GuardedBy("buildLock")
  private void persist(FstSnapshot next, EntryCapture capture) {
    try {
      sink.published(next, capture);
    } catch (Exception e) {
      log.warn("suggest index {}: saving snapshot version {} failed; serving it anyway",
          indexName, next.version(), e);
    }
  }

  // @GuardedBy("buildLock")
  private void onFailure(FstSnapshot kept, Throwable e) {
    metrics.recordBuildFailure();
    if (consecutiveFailures++ == 0) {
      log.warn(
          "suggest index {}: snapshot build failed; still serving version {}; retrying at the next"
              + " rebuild",
          indexName, kept.version(), e);
    } else {
      log.debug("suggest index {}: snapshot build failed again ({} in a row)",
          indexName, consecutiveFailures, e);
    }
  }
}
