package dev.quarry.suggest;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one suggest index, validated on construction.
 *
 * @param rebuildInterval how often the rebuild task checks for changes and, if there are any,
 *     builds and publishes a new snapshot (default 1 s; a change becomes visible within about one
 *     interval plus one build)
 * @param autoRebuild whether the index schedules rebuilds itself (default true); when false, only
 *     {@link SuggestIndex#rebuildNow()} publishes snapshots
 */
public record SuggestIndexConfig(Duration rebuildInterval, boolean autoRebuild) {

  public static final Duration DEFAULT_REBUILD_INTERVAL = Duration.ofSeconds(1);

  public SuggestIndexConfig {
    Objects.requireNonNull(rebuildInterval, "rebuildInterval");
    if (rebuildInterval.isNegative() || rebuildInterval.isZero()) {
      throw new IllegalArgumentException("rebuildInterval must be positive, got " + rebuildInterval);
    }
  }

  /** Rebuild every second, scheduled by the index. */
  public static SuggestIndexConfig defaults() {
    return new SuggestIndexConfig(DEFAULT_REBUILD_INTERVAL, true);
  }

  /** Only {@link SuggestIndex#rebuildNow()} publishes; for tests and batch tools. */
  public static SuggestIndexConfig manual() {
    return new SuggestIndexConfig(DEFAULT_REBUILD_INTERVAL, false);
  }

  public SuggestIndexConfig withRebuildInterval(Duration interval) {
    return new SuggestIndexConfig(interval, autoRebuild);
  }
}
