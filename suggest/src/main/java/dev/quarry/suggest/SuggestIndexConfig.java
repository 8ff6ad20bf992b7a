package dev.quarry.suggest;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one suggest index, validated on construction. Changes are visible to lookups at
 * once through the streaming delta; these settings only decide when the delta is folded into a new
 * FST snapshot, which costs a full build (2.5–4 s for the 227K npm names on this kind of machine).
 *
 * <p>Rebuild policy: every {@code checkInterval} the rebuild task builds a new snapshot when the
 * delta holds at least {@code maxDeltaEntries} changed texts or its oldest change is older than
 * {@code maxDeltaAge}, and the last build finished at least {@code minRebuildGap} ago. So builds
 * never run back to back (at most one per gap, one at a time: bounded CPU), and the delta, whose
 * size bounds the extra lookup work and memory, stays near {@code maxDeltaEntries} (it can exceed
 * it only by what arrives within one gap plus one build).
 *
 * @param checkInterval how often the rebuild task looks at the delta (default 250 ms)
 * @param maxDeltaEntries delta size that triggers a build (default 5,000 texts: a typo lookup scans
 *     the delta, about 1 µs per text, so it stays well under a millisecond)
 * @param maxDeltaAge delta age that triggers a build (default 60 s: a trickle of changes is folded
 *     in once a minute, a few seconds of one core per minute for the npm corpus)
 * @param minRebuildGap least time from the end of one build to the start of the next (default 5 s,
 *     over the longest build seen, so building takes at most about half a core)
 * @param autoRebuild whether the index schedules rebuilds itself (default true); when false, only
 *     {@link SuggestIndex#rebuildNow()} publishes snapshots
 * @param typos whether typo matches fill the places exact matches leave (default true); a typo
 *     lookup costs several times an exact one (see {@code quarry bench suggest})
 */
public record SuggestIndexConfig(
    Duration checkInterval,
    int maxDeltaEntries,
    Duration maxDeltaAge,
    Duration minRebuildGap,
    boolean autoRebuild,
    boolean typos) {

  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(250);
  public static final int DEFAULT_MAX_DELTA_ENTRIES = 5_000;
  public static final Duration DEFAULT_MAX_DELTA_AGE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_MIN_REBUILD_GAP = Duration.ofSeconds(5);

  public SuggestIndexConfig {
    positive(checkInterval, "checkInterval");
    positive(maxDeltaAge, "maxDeltaAge");
    Objects.requireNonNull(minRebuildGap, "minRebuildGap");
    if (minRebuildGap.isNegative()) {
      throw new IllegalArgumentException("minRebuildGap must not be negative, got " + minRebuildGap);
    }
    if (maxDeltaEntries < 1) {
      throw new IllegalArgumentException("maxDeltaEntries must be at least 1, got " + maxDeltaEntries);
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  /** The defaults above, scheduled by the index. */
  public static SuggestIndexConfig defaults() {
    return new SuggestIndexConfig(
        DEFAULT_CHECK_INTERVAL,
        DEFAULT_MAX_DELTA_ENTRIES,
        DEFAULT_MAX_DELTA_AGE,
        DEFAULT_MIN_REBUILD_GAP,
        true,
        true);
  }

  /** Only {@link SuggestIndex#rebuildNow()} publishes; for tests and batch tools. */
  public static SuggestIndexConfig manual() {
    return defaults().withAutoRebuild(false);
  }

  public SuggestIndexConfig withCheckInterval(Duration interval) {
    return new SuggestIndexConfig(interval, maxDeltaEntries, maxDeltaAge, minRebuildGap, autoRebuild, typos);
  }

  public SuggestIndexConfig withMaxDeltaEntries(int entries) {
    return new SuggestIndexConfig(checkInterval, entries, maxDeltaAge, minRebuildGap, autoRebuild, typos);
  }

  public SuggestIndexConfig withMaxDeltaAge(Duration age) {
    return new SuggestIndexConfig(checkInterval, maxDeltaEntries, age, minRebuildGap, autoRebuild, typos);
  }

  public SuggestIndexConfig withMinRebuildGap(Duration gap) {
    return new SuggestIndexConfig(checkInterval, maxDeltaEntries, maxDeltaAge, gap, autoRebuild, typos);
  }

  public SuggestIndexConfig withAutoRebuild(boolean auto) {
    return new SuggestIndexConfig(checkInterval, maxDeltaEntries, maxDeltaAge, minRebuildGap, auto, typos);
  }

  public SuggestIndexConfig withTypos(boolean on) {
    return new SuggestIndexConfig(checkInterval, maxDeltaEntries, maxDeltaAge, minRebuildGap, autoRebuild, on);
  }
}
