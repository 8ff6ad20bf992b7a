package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.fst.FstSnapshotBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SnapshotRebuildTest {

  @Test
  void aFailedBuildKeepsServingTheOldSnapshotAndIsCounted() {
    AtomicBoolean fail = new AtomicBoolean();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SuggestIndex index =
        SuggestIndex.builder("fail")
            .config(SuggestIndexConfig.manual())
            .meterRegistry(registry)
            .snapshotFactory(
                (capture, version, at) -> {
                  if (fail.get()) {
                    throw new IOException("injected build failure");
                  }
                  return FstSnapshotBuilder.build(capture, version, at);
                })
            .build()) {
      index.upsert("a", List.of("alpha"), 1);
      assertThat(index.rebuildNow()).isEqualTo(1);

      fail.set(true);
      index.upsert("b", List.of("alps"), 2);
      assertThat(index.rebuildNow()).isEqualTo(1);
      assertThat(index.failedBuilds()).isEqualTo(1);
      assertThat(registry.get("quarry.suggest.snapshot.build.failures").counter().count()).isEqualTo(1);
      assertThat(index.snapshotVersion()).isEqualTo(1);
      assertThat(index.deltaSize()).as("the change stays in the delta").isEqualTo(1);
      assertThat(index.lookup("al", 10)).extracting(Suggestion::text).containsExactly("alps", "alpha");

      fail.set(false);
      assertThat(index.rebuildNow()).isEqualTo(2);
      assertThat(index.lookup("al", 10)).extracting(Suggestion::text).containsExactly("alps", "alpha");
    }
  }

  @Test
  void theRebuildTaskPublishesChangesByItself() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (SuggestIndex index =
        SuggestIndex.builder("auto")
            .config(SuggestIndexConfig.defaults().withCheckInterval(Duration.ofMillis(5))
                .withMaxDeltaEntries(1).withMinRebuildGap(Duration.ZERO))
            .scheduler(scheduler)
            .build()) {
      for (int round = 1; round <= 3; round++) {
        index.upsert("d", List.of("round " + round), round);
        assertThat(index.awaitSnapshot(index.generation(), Duration.ofSeconds(60))).isTrue();
        assertThat(index.lookup("round", 10)).containsExactly(new Suggestion("round " + round, round, "d"));
      }
    } finally {
      assertThat(scheduler.isShutdown()).as("an injected scheduler belongs to the caller").isFalse();
      scheduler.shutdownNow();
    }
  }

  @Test
  void metersDescribeTheServedSnapshot() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SuggestIndex index =
        SuggestIndex.builder("meters")
            .config(SuggestIndexConfig.manual())
            .clock(clock)
            .meterRegistry(registry)
            .build()) {
      index.upsert("a", List.of("alpha", "beta"), 1);
      index.rebuildNow();
      index.lookup("al", 5);
      clock.advance(Duration.ofSeconds(5));

      assertThat(registry.get("quarry.suggest.entries").tag("index", "meters").gauge().value()).isEqualTo(2);
      assertThat(registry.get("quarry.suggest.snapshot.version").gauge().value()).isEqualTo(1);
      assertThat(registry.get("quarry.suggest.snapshot.age").gauge().value()).isEqualTo(5.0);
      assertThat(registry.get("quarry.suggest.snapshot.build").timer().count()).isEqualTo(1);
      assertThat(registry.get("quarry.suggest.lookup").timer().count()).isEqualTo(1);
    }
    assertThat(registry.find("quarry.suggest.lookup").timer()).as("removed on close").isNull();
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
