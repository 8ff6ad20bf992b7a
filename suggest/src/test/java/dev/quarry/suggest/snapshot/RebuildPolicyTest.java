package dev.quarry.suggest.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexConfig;
import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.fst.FstSnapshotBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** When the delta is folded into a new snapshot: size, age and the gap between builds. */
class RebuildPolicyTest {

  private final MovableClock clock = new MovableClock();
  private final SuggestIndexConfig policy =
      SuggestIndexConfig.manual()
          .withMaxDeltaEntries(3)
          .withMaxDeltaAge(Duration.ofSeconds(10))
          .withMinRebuildGap(Duration.ofSeconds(5));

  @Test
  void buildsWhenTheDeltaIsLargeOrOldButNotMoreOftenThanTheGap() {
    try (SuggestIndex index = SuggestIndex.builder("policy").config(policy).clock(clock).build()) {
      assertThat(index.rebuildIfDue()).as("nothing to fold").isFalse();
      index.upsert("a", List.of("alpha"), 1);
      index.upsert("b", List.of("beta"), 1);
      assertThat(index.rebuildIfDue()).as("2 changes, fresh").isFalse();
      index.upsert("c", List.of("gamma"), 1);
      assertThat(index.rebuildIfDue()).as("3 changes").isTrue();
      assertThat(index.snapshotVersion()).isEqualTo(1);
      assertThat(index.deltaSize()).isZero();

      index.upsert("d", List.of("delta"), 1);
      clock.advance(Duration.ofSeconds(9));
      assertThat(index.rebuildIfDue()).as("one change, 9 s old").isFalse();
      clock.advance(Duration.ofSeconds(1));
      assertThat(index.rebuildIfDue()).as("one change, 10 s old").isTrue();

      index.delete("a");
      index.delete("b");
      index.delete("c");
      assertThat(index.deltaSize()).isEqualTo(3);
      assertThat(index.rebuildIfDue()).as("large, but the last build ended just now").isFalse();
      clock.advance(Duration.ofSeconds(5));
      assertThat(index.rebuildIfDue()).isTrue();
      assertThat(index.snapshotVersion()).isEqualTo(3);
      assertThat(index.lookup("delta", 10)).containsExactly(new Suggestion("delta", 1, "d"));
    }
  }

  @Test
  void anOutOfMemoryBuildKeepsTheOldSnapshotAndTheDelta() {
    AtomicBoolean oom = new AtomicBoolean();
    try (SuggestIndex index =
        SuggestIndex.builder("oom").config(policy).clock(clock)
            .snapshotFactory((capture, version, at) -> {
              if (oom.get()) {
                throw new OutOfMemoryError("injected");
              }
              return FstSnapshotBuilder.build(capture, version, at);
            })
            .build()) {
      index.upsert("a", List.of("alpha"), 1);
      assertThat(index.rebuildNow()).isEqualTo(1);
      oom.set(true);
      index.upsert("b", List.of("alps"), 2);
      assertThat(index.rebuildNow()).isEqualTo(1);
      assertThat(index.failedBuilds()).isEqualTo(1);
      assertThat(index.lookup("alp", 10)).extracting(Suggestion::text).containsExactly("alps", "alpha");
    }
  }

  /** A clock tests move by hand. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
