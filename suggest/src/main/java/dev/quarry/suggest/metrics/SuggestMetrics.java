package dev.quarry.suggest.metrics;

import dev.quarry.suggest.fst.FstSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The meters of one suggest index, tagged {@code index=<name>}:
 *
 * <ul>
 *   <li>{@code quarry.suggest.lookup} (timer): lookup latency, with a histogram from 1 µs to 100 ms;
 *   <li>{@code quarry.suggest.snapshot.build} (timer): time to capture and build a snapshot;
 *   <li>{@code quarry.suggest.snapshot.build.failures} (counter): failed builds (old one kept);
 *   <li>{@code quarry.suggest.snapshot.age} (gauge, seconds): time since the served snapshot was
 *       built;
 *   <li>{@code quarry.suggest.snapshot.version} (gauge): version of the served snapshot;
 *   <li>{@code quarry.suggest.entries} (gauge): entries in the served snapshot;
 *   <li>{@code quarry.suggest.delta.size} (gauge): changed texts held in the streaming delta;
 *   <li>{@code quarry.suggest.cache.hit.ratio} (gauge): hot-prefix cache hits / cacheable lookups.
 * </ul>
 *
 * <p>Thread-safety: meters are thread-safe; the list of registered meters is written only during
 * construction and {@link #bindSnapshot}, which happen before the index is shared, and read in
 * {@link #close}.
 */
public final class SuggestMetrics implements AutoCloseable {

  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer lookup;
  private final Timer build;
  private final Counter buildFailures;
  private final List<Meter> meters = new ArrayList<>();
  private final java.util.concurrent.atomic.LongAdder failures = new java.util.concurrent.atomic.LongAdder();

  public SuggestMetrics(MeterRegistry registry, String indexName) {
    this.registry = registry;
    this.tags = Tags.of("index", indexName);
    this.lookup =
        register(
            Timer.builder("quarry.suggest.lookup")
                .description("Suggest lookup latency")
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofMillis(100))
                .register(registry));
    this.build =
        register(
            Timer.builder("quarry.suggest.snapshot.build")
                .description("Time to capture the entry table and build an FST snapshot")
                .tags(tags)
                .register(registry));
    this.buildFailures =
        register(
            Counter.builder("quarry.suggest.snapshot.build.failures")
                .description("Snapshot builds that failed (the previous snapshot stays served)")
                .tags(tags)
                .register(registry));
  }

  /** Registers the gauges that read the served snapshot. */
  public void bindSnapshot(Supplier<FstSnapshot> current, Clock clock) {
    register(
        Gauge.builder(
                "quarry.suggest.snapshot.age",
                current,
                s -> Math.max(0, clock.millis() - s.get().builtAt().toEpochMilli()) / 1000.0)
            .description("Seconds since the served snapshot was built")
            .baseUnit("seconds")
            .tags(tags)
            .strongReference(true)
            .register(registry));
    register(
        Gauge.builder("quarry.suggest.snapshot.version", current, s -> s.get().version())
            .description("Version of the served snapshot")
            .tags(tags)
            .strongReference(true)
            .register(registry));
    register(
        Gauge.builder("quarry.suggest.entries", current, s -> s.get().size())
            .description("Entries in the served snapshot")
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  /** Registers the gauges of the streaming layer: delta size and hot-prefix cache hit ratio. */
  public void bindLive(java.util.function.IntSupplier deltaSize, java.util.function.DoubleSupplier hitRatio) {
    register(
        Gauge.builder("quarry.suggest.delta.size", deltaSize, s -> s.getAsInt())
            .description("Changed texts held in the streaming delta (not yet in a snapshot)")
            .tags(tags)
            .strongReference(true)
            .register(registry));
    register(
        Gauge.builder("quarry.suggest.cache.hit.ratio", hitRatio, s -> s.getAsDouble())
            .description("Hot-prefix cache hits divided by cacheable lookups")
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  public void recordLookup(long nanos) {
    lookup.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void recordBuild(long nanos) {
    build.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void recordBuildFailure() {
    buildFailures.increment();
    failures.increment();
  }

  /** Failed builds so far (counted here too: the registry may be a no-op one). */
  public long buildFailures() {
    return failures.sum();
  }

  /** Removes this index's meters from the registry. */
  @Override
  public void close() {
    for (Meter meter : meters) {
      registry.remove(meter);
    }
  }

  private <M extends Meter> M register(M meter) {
    meters.add(meter);
    return meter;
  }
}
