package dev.quarry.suggest.snapshot;

import dev.quarry.suggest.Watermark;
import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.entries.EntryTable;
import dev.quarry.suggest.entries.WatermarkStamp;
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
 * Double-buffered snapshots: builds a new {@link FstSnapshot} from a capture of the entry table
 * when the table has changed since the current snapshot, and publishes it with one volatile write.
 * Lookups read {@link #current()} and never wait; they see either the old or the new snapshot,
 * never a mix. A failed build leaves the current snapshot in place, is counted, and is retried at
 * the next rebuild.
 *
 * <p>States of the published snapshot: version 0 (empty, at construction) → version n+1 after each
 * successful build. Versions only grow, and a snapshot's generation never goes down, because builds
 * are serialized by {@link #buildLock} and each captures the table after the previous one.
 *
 * <p>The published pair also carries the watermark to serve with the snapshot: the one captured
 * with it, or a newer one the feed reported while the table still had the snapshot's content
 * ({@link #offerLatestWatermark}), so the served watermark moves forward between rebuilds too.
 *
 * <p>Thread-safety: {@link #served} is volatile, read without locks, and written only while
 * holding {@link #publishMonitor} (and, for a new snapshot, {@link #buildLock}).
 * {@link #consecutiveFailures} is guarded by {@link #buildLock}. Lock order: {@code buildLock} →
 * the entry table's lock (inside {@code capture}), and {@code buildLock} → {@code
 * publishMonitor}; nothing takes them in the other order, and the table's lock is never held while
 * taking {@code publishMonitor}.
 */
public final class SnapshotPublisher {

  private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final String indexName;
  private final EntryTable table;
  private final SnapshotFactory factory;
  private final Clock clock;
  private final SuggestMetrics metrics;
  private final ReentrantLock buildLock = new ReentrantLock();
  /** Waited on by {@link #awaitGeneration}; notified on every publish. */
  private final Object publishMonitor = new Object();

  /** A snapshot and the watermark served with it; replaced as a whole, never mutated. */
  public record Served(FstSnapshot snapshot, Watermark watermark) {}

  private volatile Served served;
  // @GuardedBy("buildLock")
  private int consecutiveFailures;

  public SnapshotPublisher(
      String indexName,
      EntryTable table,
      SnapshotFactory factory,
      Clock clock,
      SuggestMetrics metrics) {
    this.indexName = Objects.requireNonNull(indexName, "indexName");
    this.table = Objects.requireNonNull(table, "table");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    // Generation 0 is the empty table: if the table already holds changes, the first rebuild runs.
    this.served =
        new Served(FstSnapshot.empty(0, 0, Watermark.EMPTY, clock.instant()), Watermark.EMPTY);
  }

  /** The published snapshot; never null, never blocks. */
  public FstSnapshot current() {
    return served.snapshot();
  }

  /** The published snapshot with the watermark to serve with it; never null, never blocks. */
  public Served served() {
    return served;
  }

  /**
   * Serves the table's latest watermark with the current snapshot if the table's content is still
   * the snapshot's (same generation); otherwise the next snapshot will carry it. Call after every
   * watermark update.
   */
  public void offerLatestWatermark() {
    synchronized (publishMonitor) {
      WatermarkStamp stamp = table.watermarkStamp();
      Served now = served;
      if (stamp.generation() == now.snapshot().generation()) {
        served = new Served(now.snapshot(), stamp.watermark());
      }
    }
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
      try {
        EntryCapture capture = table.capture();
        next = factory.build(capture, old.version() + 1, clock.instant());
      } catch (Exception e) {
        onFailure(old, e);
        return old.version();
      }
      metrics.recordBuild(System.nanoTime() - start);
      publish(next);
      if (consecutiveFailures > 0) {
        log.info(
            "suggest index {}: snapshot build recovered after {} failures; published version {}",
            indexName, consecutiveFailures, next.version());
        consecutiveFailures = 0;
      }
      return next.version();
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
    synchronized (publishMonitor) {
      // A watermark reported after the capture, with no content change since, is newer and valid.
      WatermarkStamp stamp = table.watermarkStamp();
      Watermark watermark =
          stamp.generation() == next.generation() ? stamp.watermark() : next.watermark();
      served = new Served(next, watermark);
      publishMonitor.notifyAll();
    }
  }

  // @GuardedBy("buildLock")
  private void onFailure(FstSnapshot kept, Exception e) {
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
