package dev.quarry.suggest.fst;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.util.fst.FST;

/**
 * Top-k typo matches, best first, in one search: a best-first walk of the FST from its root whose
 * queued paths carry the row of the edit-distance table (Levenshtein: insert, delete or substitute
 * one char; see {@code TypoRule}) between the folded query and the path's chars (decoded from
 * {@link KeyEncoding} bytes). A path's cost is the summed output so far, which Lucene's FST makes
 * the smallest rank below it, so costs are lower bounds and the queue pops in rank order. Every
 * char may be edited, the first one included: the walk starts at the root, where every first char
 * of the key set is one substitution or insertion away.
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
 * <p>Targeted expansion: a row whose minimum is {@code maxEdits} has no edit left to spend on an
 * unknown char (an insert or substitution would exceed it), so only the query chars {@code q[i-1]}
 * with {@code row[i-1] == maxEdits} keep it alive, and their arcs are looked up ({@code
 * findTargetArc}) instead of reading every arc of the node. With 1 edit only the nodes on the exact
 * spine (the query's own prefixes) are read in full; that keeps a search from the root close to
 * the cost of the first-char-exact search it replaced.
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
  private final byte[] scratch = new byte[3];

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
    expand(fst.getFirstArc(new FST.Arc<>()), 0, first, 0, 0);
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
    if (remaining == 0 && min(row) == maxEdits) {
      expandTargeted(node, cost, row);
    } else {
      expandAll(node, cost, row, partial, remaining);
    }
  }

  /** No edit left for an unknown char: follow only the query chars that extend a row cell. */
  private void expandTargeted(FST.Arc<Long> node, long cost, int[] row) throws IOException {
    next:
    for (int i = 1; i <= query.length; i++) {
      if (row[i - 1] != maxEdits) {
        continue;
      }
      char c = query[i - 1];
      for (int j = 1; j < i; j++) {
        if (row[j - 1] == maxEdits && query[j - 1] == c) {
          continue next; // already followed
        }
      }
      int len = KeyEncoding.encode(c, scratch, 0);
      if (fst.findTargetArc(scratch[0] & 0xFF, node, child, in) == null) {
        continue;
      }
      long childCost = cost + child.output();
      for (int b = 1; b < len; b++) {
        if (fst.findTargetArc(scratch[b] & 0xFF, child, child, in) == null) {
          continue next;
        }
        childCost += child.output();
      }
      step(childCost, row, c);
    }
  }

  private void expandAll(FST.Arc<Long> node, long cost, int[] row, int partial, int remaining)
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

  private static int min(int[] row) {
    int m = row[0];
    for (int i = 1; i < row.length; i++) {
      m = Math.min(m, row[i]);
    }
    return m;
  }
}
