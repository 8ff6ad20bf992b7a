package dev.quarry.suggest.lookup;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.delta.Delta;
import dev.quarry.suggest.delta.DeltaChange;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.fst.RankFilter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * One lookup over a snapshot and its delta (the pair published together): exact matches first,
 * then, when they leave places and the query is long enough ({@link TypoRule}), typo matches.
 *
 * <p>Exact: the delta's changes matching the prefix (one range scan) hide their texts in the
 * snapshot search ({@link RankFilter}, widened by their count, so the snapshot's top k stays
 * exact), and their live entries are merged with the snapshot's top k by (weight desc, text asc).
 *
 * <p>Typo: the same over the typo matches, excluding the texts already answered exactly. In the
 * delta, every match start may match (any char may be edited, the first one included): the
 * delta's {@link dev.quarry.suggest.delta.SuffixView} rules most out by char masks, and {@link
 * TypoRule#prefixDistance} decides the rest.
 *
 * <p>Stateless; safe for any thread.
 */
public final class LiveLookup {

  private LiveLookup() {}

  /**
   * The top {@code k} for the folded, non-empty {@code fq} over {@code snapshot} + {@code delta};
   * exact matches only when {@code typos} is false.
   */
  public static List<Suggestion> lookup(FstSnapshot snapshot, Delta delta, String fq, int k, boolean typos) {
    List<Suggestion> exact = exact(snapshot, delta, fq, k);
    int maxEdits = typos ? TypoRule.maxEdits(fq) : 0;
    if (exact.size() >= k || maxEdits == 0) {
      return exact;
    }
    Set<String> answered = new HashSet<>();
    exact.forEach(s -> answered.add(s.text()));
    List<Suggestion> fill = typos(snapshot, delta, fq, maxEdits, k - exact.size(), answered);
    if (fill.isEmpty()) {
      return exact;
    }
    List<Suggestion> out = new ArrayList<>(exact.size() + fill.size());
    out.addAll(exact);
    out.addAll(fill);
    return List.copyOf(out);
  }

  static List<Suggestion> exact(FstSnapshot snapshot, Delta delta, String fq, int k) {
    if (delta.size() == 0) {
      return snapshot.topK(fq, k);
    }
    Collection<DeltaChange> changed = delta.matching(fq).values();
    if (changed.isEmpty()) {
      return snapshot.topK(fq, k);
    }
    Set<String> hidden = new HashSet<>();
    changed.forEach(c -> hidden.add(c.text()));
    List<Suggestion> fromSnapshot = snapshot.topK(fq, k, hide(snapshot, hidden, hidden.size()));
    return merge(fromSnapshot, changed, k);
  }

  static List<Suggestion> typos(
      FstSnapshot snapshot, Delta delta, String fq, int maxEdits, int need, Set<String> answered) {
    Map<String, DeltaChange> candidates = new LinkedHashMap<>();
    if (delta.size() > 0) {
      char[] query = fq.toCharArray();
      int[] a = new int[query.length + 1];
      int[] b = new int[query.length + 1];
      delta.suffixView().forEachTypoCandidate(query, maxEdits, (suffix, text) -> {
        if (!candidates.containsKey(text) && TypoRule.prefixDistance(query, suffix, 0, maxEdits, a, b) <= maxEdits) {
          DeltaChange c = delta.get(text); // the latest state
          if (c != null) {
            candidates.put(text, c);
          }
        }
      });
    }
    Collection<DeltaChange> changed = candidates.values();
    Set<String> hidden = new HashSet<>(answered);
    changed.forEach(c -> hidden.add(c.text()));
    List<Suggestion> fromSnapshot =
        snapshot.typoTopK(fq, maxEdits, need, hide(snapshot, hidden, hidden.size()));
    List<DeltaChange> live = new ArrayList<>();
    for (DeltaChange c : changed) {
      if (!answered.contains(c.text())) {
        live.add(c);
      }
    }
    return merge(fromSnapshot, live, need);
  }

  private static RankFilter hide(FstSnapshot snapshot, Set<String> texts, int bound) {
    if (texts.isEmpty()) {
      return RankFilter.NONE;
    }
    return new RankFilter() {
      @Override
      public boolean accept(int rank) {
        return !texts.contains(snapshot.entry(rank).text());
      }

      @Override
      public int maxRejected() {
        return bound;
      }
    };
  }

  /** Merges the snapshot's ranked list with the live entries of {@code changed}; first k. */
  private static List<Suggestion> merge(List<Suggestion> ranked, Collection<DeltaChange> changed, int k) {
    List<Suggestion> live = new ArrayList<>();
    for (DeltaChange c : changed) {
      if (!c.deleted()) {
        live.add(c.best());
      }
    }
    if (live.isEmpty()) {
      return ranked;
    }
    live.sort(Suggestion.RANKING);
    List<Suggestion> out = new ArrayList<>(Math.min(k, ranked.size() + live.size()));
    int i = 0;
    int j = 0;
    while (out.size() < k && (i < ranked.size() || j < live.size())) {
      if (j >= live.size()
          || (i < ranked.size() && Suggestion.RANKING.compare(ranked.get(i), live.get(j)) <= 0)) {
        out.add(ranked.get(i++));
      } else {
        out.add(live.get(j++));
      }
    }
    return List.copyOf(out);
  }
}
