package dev.quarry.suggest.fst;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.util.fst.FST;

/**
 * Top-k typo matches, best first, in one search: a best-first walk of the FST whose queued paths
 * carry the row of the edit-distance table (Levenshtein: insert, delete or substitute one char)
 * between the folded query and the path's chars (decoded from {@link KeyEncoding} bytes). A path's
 * cost is the summed output so far, which Lucene's FST makes the smallest rank below it, so costs
 * are lower bounds and the queue pops in rank order.
 *
 * <p>The first char of a match is not fuzzy (as with Lucene's {@code FuzzySuggester} default of
 * one non-fuzzy prefix char): the search starts below the query's first char. Without that rule
 * every first char of the alphabet had to be explored and a typo lookup on the npm corpus cost
 * about 0.5 ms instead of tens of microseconds.
 *
 * <p>A path whose row ends within {@code maxEdits} is <em>accepted</em>: some prefix of the text is
 * close enough, so every key below matches; from there on it is completed as in {@link
 * RankSearcher} (follow the zero-output arcs, queue the others as accepted). A path whose row is
 * everywhere above {@code maxEdits} is dropped: no extension can come back. Popping an accepted
 * path that reaches a final arc yields its rank; results come out in ascending rank, so the search
 * stops after {@code k} accepted (by the filter) distinct ranks, having expanded only the nodes
 * whose best entry ranks above the k-th result. One entry reachable from several word starts
 * yields the same rank more than once; a set of seen ranks drops the repeats.
 *
 * <p>Thread-safety: one instance per lookup, confined to the calling thread.
 */
final class TypoSearcher {

  /** A queued path: cost, the arc just taken, and either a row (still matching) or accepted. */
  private static final class Path {
    final long cost;
    final long order;
    final FST.Arc<Long> arc = new FST.Arc<>();
    final int[] row; // null when accepted
    final int partial; // bits of a multi-byte char read so far
    final int remaining; // bytes of that char still to read

    Path(long cost, long order, FST.Arc<Long> arc, int[] row, int partial, int remaining) {
      this.cost = cost;
      this.order = order;
      this.arc.copyFrom(arc);
      this.row = row;
      this.partial = partial;
      this.remaining = remaining;
    }
  }

  private final FST<Long> fst;
  private final FST.BytesReader in;
  private final char[] query;
  private final int maxEdits;
  private final PriorityQueue<Path> queue =
      new PriorityQueue<>((a, b) -> a.cost != b.cost ? Long.compare(a.cost, b.cost) : Long.compare(a.order, b.order));
  private long nextOrder;
  private final FST.Arc<Long> child = new FST.Arc<>();

  TypoSearcher(FST<Long> fst, FST.BytesReader in, String foldedQuery, int maxEdits) {
    this.fst = fst;
    this.in = in;
    this.query = foldedQuery.toCharArray();
    this.maxEdits = maxEdits;
  }

  /** The best {@code k} ranks with a typo match that {@code filter} accepts, ascending. */
  List<Integer> search(int k, RankFilter filter) throws IOException {
    int[] first = new int[query.length + 1];
    for (int i = 0; i < first.length; i++) {
      first[i] = i;
    }
    if (first[query.length] <= maxEdits) {
      throw new IllegalArgumentException("the query is too short for typo matching");
    }
    // The first char is not fuzzy: walk it exactly, then search with the row after it.
    FST.Arc<Long> arc = fst.getFirstArc(new FST.Arc<>());
    byte[] bytes = new byte[3];
    long cost = 0;
    int len = KeyEncoding.encode(query[0], bytes, 0);
    for (int b = 0; b < len; b++) {
      if (fst.findTargetArc(bytes[b] & 0xFF, arc, arc, in) == null) {
        return List.of();
      }
      cost += arc.output();
    }
    int[] row = new int[first.length];
    row[0] = 1;
    for (int i = 1; i < row.length; i++) {
      row[i] = Math.min(Math.min(first[i] + 1, row[i - 1] + 1), first[i - 1] + (query[i - 1] == query[0] ? 0 : 1));
    }
    if (row[query.length] <= maxEdits) {
      queue.add(new Path(cost, nextOrder++, arc, null, 0, 0));
    } else {
      expand(arc, cost, row, 0, 0);
    }
    List<Integer> ranks = new ArrayList<>(k);
    Set<Integer> seen = new HashSet<>();
    while (ranks.size() < k && !queue.isEmpty()) {
      Path path = queue.poll();
      if (path.row != null) {
        expand(path.arc, path.cost, path.row, path.partial, path.remaining);
        continue;
      }
      FST.Arc<Long> walk = path.arc;
      while (walk.label() != FST.END_LABEL) { // complete the accepted path along zero outputs
        fst.readFirstTargetArc(walk, walk, in);
        FST.Arc<Long> zero = null;
        while (true) {
          if (walk.output() == 0 && zero == null) {
            zero = new FST.Arc<Long>().copyFrom(walk);
          } else {
            queue.add(new Path(path.cost + walk.output(), nextOrder++, walk, null, 0, 0));
          }
          if (walk.isLast()) {
            break;
          }
          fst.readNextArc(walk, in);
        }
        if (zero == null) {
          throw new IllegalStateException("FST node without a zero-output arc");
        }
        walk.copyFrom(zero);
      }
      int rank = (int) path.cost;
      if (seen.add(rank) && filter.accept(rank)) {
        ranks.add(rank);
      }
    }
    return ranks;
  }

  /** Queues the children of {@code node}'s target that can still match. */
  private void expand(FST.Arc<Long> node, long cost, int[] row, int partial, int remaining)
      throws IOException {
    fst.readFirstTargetArc(node, child, in);
    while (true) {
      int label = child.label();
      boolean separator = remaining == 0 && label == KeyEncoding.SEPARATOR;
      if (label != FST.END_LABEL && !separator) {
        long childCost = cost + child.output();
        if (remaining == 0 && label < 0x80) {
          step(childCost, row, (char) label);
        } else if (remaining == 0) {
          boolean three = label >= 0xE0;
          queue.add(new Path(childCost, nextOrder++, child, row, label & (three ? 0x0F : 0x1F), three ? 2 : 1));
        } else {
          int value = (partial << 6) | (label & 0x3F);
          if (remaining == 1) {
            step(childCost, row, (char) value);
          } else {
            queue.add(new Path(childCost, nextOrder++, child, row, value, remaining - 1));
          }
        }
      }
      if (child.isLast()) {
        break;
      }
      fst.readNextArc(child, in);
    }
  }

  /** Extends {@code row} by {@code c}: queues the child accepted, still matching, or not at all. */
  private void step(long cost, int[] row, char c) {
    int[] next = new int[row.length];
    next[0] = row[0] + 1;
    int min = next[0];
    for (int i = 1; i <= query.length; i++) {
      int v = Math.min(Math.min(row[i] + 1, next[i - 1] + 1), row[i - 1] + (query[i - 1] == c ? 0 : 1));
      next[i] = v;
      min = Math.min(min, v);
    }
    if (next[query.length] <= maxEdits) {
      queue.add(new Path(cost, nextOrder++, child, null, 0, 0));
    } else if (min <= maxEdits) {
      queue.add(new Path(cost, nextOrder++, child, next, 0, 0));
    }
  }
}
