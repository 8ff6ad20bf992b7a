package dev.quarry.suggest.fst;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.util.fst.FST;

/**
 * An immutable, searchable copy of the entry set. Entries are ranked by (weight desc, text asc);
 * the FST maps, for every match start of every entry's folded text, the folded suffix from there
 * (plus a tie-breaker) to the entry's rank. A lookup walks the folded query's bytes from the root,
 * then runs a best-first top-k search below that node: lower output = better rank, so the first k
 * distinct outputs are the answer. See {@link FstSnapshotBuilder} for the key layout.
 *
 * <p>Thread-safety: immutable after construction; any number of threads may look up at once.
 * Each lookup uses its own FST readers and arcs.
 */
public final class FstSnapshot {

  /** Caps the search queue; only reachable with absurd k or entries with millions of words. */
  private static final int MAX_DEPTH = 1 << 24;

  private final FST<Long> fst; // null when there are no entries
  private final Suggestion[] byRank;
  private final int maxStartsPerEntry;
  private final long version;
  private final long generation;
  private final Watermark watermark;
  private final Instant builtAt;

  FstSnapshot(
      FST<Long> fst,
      Suggestion[] byRank,
      int maxStartsPerEntry,
      long version,
      long generation,
      Watermark watermark,
      Instant builtAt) {
    this.fst = fst;
    this.byRank = byRank;
    this.maxStartsPerEntry = Math.max(1, maxStartsPerEntry);
    this.version = version;
    this.generation = generation;
    this.watermark = Objects.requireNonNull(watermark, "watermark");
    this.builtAt = Objects.requireNonNull(builtAt, "builtAt");
  }

  /** An empty snapshot (no entries). */
  public static FstSnapshot empty(long version, long generation, Watermark watermark, Instant at) {
    return new FstSnapshot(null, new Suggestion[0], 1, version, generation, watermark, at);
  }

  /** Top {@code k} entries matching the already folded, non-empty {@code foldedQuery}, best first. */
  public List<Suggestion> topK(String foldedQuery, int k) {
    return topK(foldedQuery, k, RankFilter.NONE);
  }

  /**
   * Top {@code k} entries matching {@code foldedQuery} that {@code filter} accepts, best first.
   *
   * <p>The search queue is bounded. A first pass uses a depth of k + rejected + 1, enough unless
   * many paths are rejected; the searcher reports when rejections may have cost a result, and then
   * a pass with the depth that always suffices runs: (k + rejected) × (most match starts of one
   * entry) + 1 covers every path of every entry the search can reach before the k-th accepted one.
   */
  public List<Suggestion> topK(String foldedQuery, int k, RankFilter filter) {
    if (fst == null || k <= 0 || foldedQuery.isEmpty()) {
      return List.of();
    }
    try {
      FST.Arc<Long> arc = fst.getFirstArc(new FST.Arc<>());
      FST.BytesReader reader = fst.getBytesReader();
      long prefixOutput = 0;
      byte[] scratch = new byte[3];
      for (int i = 0; i < foldedQuery.length(); i++) {
        int len = KeyEncoding.encode(foldedQuery.charAt(i), scratch, 0);
        for (int b = 0; b < len; b++) {
          if (fst.findTargetArc(scratch[b] & 0xFF, arc, arc, reader) == null) {
            return List.of();
          }
          prefixOutput += arc.output();
        }
      }
      FST.Arc<Long> start = arc;
      long cost = prefixOutput;
      return searchWithRetry(k, filter, depth -> new RankSearcher(fst, reader, k, depth, filter).search(start, cost));
    } catch (IOException e) {
      // The FST is on heap; its readers do not do I/O.
      throw new UncheckedIOException("reading an on-heap FST failed", e);
    }
  }

  /**
   * Top {@code k} entries that {@code filter} accepts among those with a typo match: some prefix of
   * the folded text from one of its match starts is within {@code maxEdits} Levenshtein edits of
   * {@code foldedQuery} (see {@link TypoSearcher}). Exact matches are typo matches too (0 edits);
   * callers that rank them apart filter them out. The top k below the seeds is searched as in
   * {@link #topK(String, int, RankFilter)}, with the same bounded queue and retry.
   */
  public List<Suggestion> typoTopK(String foldedQuery, int maxEdits, int k, RankFilter filter) {
    if (fst == null || k <= 0 || foldedQuery.length() <= maxEdits) {
      return List.of();
    }
    try {
      FST.BytesReader reader = fst.getBytesReader();
      TypoSearcher typos = new TypoSearcher(fst, reader, foldedQuery, maxEdits).collect();
      if (typos.seeds() == 0) {
        return List.of();
      }
      return searchWithRetry(k, filter, depth -> new RankSearcher(fst, reader, k, depth, filter).search(typos));
    } catch (IOException e) {
      throw new UncheckedIOException("reading an on-heap FST failed", e);
    }
  }

  /** One search at a given queue depth. */
  @FunctionalInterface
  private interface DepthSearch {
    RankSearcher.Ranks run(int depth) throws IOException;
  }

  private List<Suggestion> searchWithRetry(int k, RankFilter filter, DepthSearch search)
      throws IOException {
    long wanted = (long) k + filter.maxRejected();
    int fullDepth = (int) Math.min(MAX_DEPTH, wanted * maxStartsPerEntry + 1);
    int depth = (int) Math.min(fullDepth, wanted + 1);
    while (true) {
      RankSearcher.Ranks found = search.run(depth);
      if (found.complete() || depth == fullDepth) {
        return toSuggestions(found);
      }
      depth = fullDepth;
    }
  }

  private List<Suggestion> toSuggestions(RankSearcher.Ranks found) {
    Suggestion[] out = new Suggestion[found.count()];
    for (int i = 0; i < out.length; i++) {
      out[i] = byRank[found.ranks()[i]];
    }
    return List.of(out);
  }

  /** The entry at {@code rank} (0 = best). */
  public Suggestion entry(int rank) {
    return byRank[rank];
  }

  /** The number of entries. */
  public int size() {
    return byRank.length;
  }

  /** Increments with every published snapshot; 0 is the empty snapshot an index starts with. */
  public long version() {
    return version;
  }

  /** The entry-table generation this snapshot was captured at. */
  public long generation() {
    return generation;
  }

  /** The offsets the captured entry table reflected. */
  public Watermark watermark() {
    return watermark;
  }

  /** When the build finished. */
  public Instant builtAt() {
    return builtAt;
  }

  /** The largest number of match starts of one entry (at least 1). */
  public int maxStartsPerEntry() {
    return maxStartsPerEntry;
  }

  /** The FST (null when empty); for persistence. */
  FST<Long> fst() {
    return fst;
  }

  /** The entries by rank; for persistence (a copy). */
  public Suggestion[] entries() {
    return byRank.clone();
  }

  /** Heap bytes used by the FST (0 when empty). */
  public long fstBytes() {
    return fst == null ? 0 : fst.ramBytesUsed();
  }
}
