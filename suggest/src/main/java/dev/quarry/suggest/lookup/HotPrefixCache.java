package dev.quarry.suggest.lookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.quarry.suggest.Suggestion;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Answers for hot prefixes (folded, 1–{@value #MAX_PREFIX} chars): they match the most entries, so
 * they cost the most and repeat the most. An answer is valid only for the snapshot and delta
 * version it was computed from: each cached value carries both, and a lookup that finds another
 * pair recomputes and replaces it. Any change to the index therefore invalidates the answers
 * lazily, without a scan.
 *
 * <p>Thread-safety: the Caffeine cache and the counters are thread-safe; values are immutable. Two
 * lookups missing the same key at once may both compute it (the answers are equal); that is
 * cheaper than making one wait.
 */
public final class HotPrefixCache {

  /** Longest folded prefix cached: 1–3 chars (3 chars already narrow npm names to a few hundred). */
  public static final int MAX_PREFIX = 3;
  /** Entries kept: every 1–2 char prefix of a large alphabet plus the hottest 3-char ones. */
  private static final int MAX_ENTRIES = 16_384;

  private record Key(String foldedPrefix, int k) {}

  private record Answer(long snapshotVersion, long deltaVersion, List<Suggestion> suggestions) {}

  private final Cache<Key, Answer> cache = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).build();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  /** The answer for ({@code fq}, {@code k}) at (snapshot, delta) version, computed if needed. */
  public List<Suggestion> get(
      String fq, int k, long snapshotVersion, long deltaVersion, Supplier<List<Suggestion>> compute) {
    if (fq.length() > MAX_PREFIX) {
      return compute.get();
    }
    Key key = new Key(fq, k);
    Answer cached = cache.getIfPresent(key);
    if (cached != null
        && cached.snapshotVersion() == snapshotVersion
        && cached.deltaVersion() == deltaVersion) {
      hits.increment();
      return cached.suggestions();
    }
    misses.increment();
    List<Suggestion> answer = compute.get();
    cache.put(key, new Answer(snapshotVersion, deltaVersion, answer));
    return answer;
  }

  /** Hits / (hits + misses) of cacheable lookups so far; 0 before any. */
  public double hitRatio() {
    long h = hits.sum();
    long total = h + misses.sum();
    return total == 0 ? 0 : (double) h / total;
  }
}
