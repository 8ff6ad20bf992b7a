package dev.quarry.suggest.fst;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.util.fst.FST;

/**
 * Finds where typo matches start in the FST: every node whose path from the root, decoded from
 * {@link KeyEncoding} bytes, is a word-start prefix within {@code maxEdits} Levenshtein edits
 * (insert, delete or substitute one char; see {@code TypoRule}) of the folded query, taking the
 * shallowest such node on each path. Every key below such a node is a typo match, and together
 * they are all of them; {@link RankSearcher} then takes the top k below these <em>seeds</em>, as
 * Lucene's {@code FuzzySuggester} does after its automaton intersection.
 *
 * <p>Algorithm: a depth-first walk from the root carrying the row of the edit-distance table
 * between the query and the path so far. A row that ends within {@code maxEdits} makes the node a
 * seed (the walk stops there); a row everywhere above it ends the branch. Every char may be edited,
 * the first one included. A row whose minimum is {@code maxEdits} has no edit left for an unknown
 * char, so only the query chars {@code q[i-1]} with {@code row[i-1] == maxEdits} can extend it:
 * their arcs are looked up ({@code findTargetArc}) rather than every arc read. With 1 edit, only
 * the nodes on the query's own path are read in full; each of their other children is followed
 * by direct lookups until it dies or is accepted. The walk allocates nothing per node: one row and
 * one arc per depth, reused.
 *
 * <p>Seeds never nest (the walk stops at the first acceptance), so every key lies below at most
 * one seed and an entry is reached at most once per word start, as in a prefix search.
 *
 * <p>Thread-safety: one instance per lookup, confined to the calling thread.
 */
final class TypoSearcher {

  private final FST<Long> fst;
  private final FST.BytesReader in;
  private final char[] query;
  private final int n;
  private final int maxEdits;
  /** rows[d]: the row after d chars of the current path; mins[d] its smallest cell. */
  private final int[][] rows;
  private final int[] mins;
  /** arcs[l]: the arc read at byte depth l of the current path. */
  private FST.Arc<Long>[] arcs;
  private final byte[] scratch = new byte[3];
  private long[] seedCosts = new long[16];
  private FST.Arc<Long>[] seedArcs = newArcs(16);
  private int seeds;

  TypoSearcher(FST<Long> fst, FST.BytesReader in, String foldedQuery, int maxEdits) {
    if (foldedQuery.length() <= maxEdits) {
      throw new IllegalArgumentException("the query is too short for typo matching");
    }
    this.fst = fst;
    this.in = in;
    this.query = foldedQuery.toCharArray();
    this.n = query.length;
    this.maxEdits = maxEdits;
    // A row dies once its first cell (the path length) exceeds maxEdits beyond the query's length.
    this.rows = new int[n + maxEdits + 2][n + 1];
    this.mins = new int[n + maxEdits + 2];
    this.arcs = newArcs(3 * (n + maxEdits + 2) + 1);
    for (int i = 0; i <= n; i++) {
      rows[0][i] = i;
    }
  }

  /** Collects the seeds; call once. */
  TypoSearcher collect() throws IOException {
    visit(fst.getFirstArc(new FST.Arc<>()), 0, 0, 0, 0, 0);
    return this;
  }

  /** The number of seeds found. */
  int seeds() {
    return seeds;
  }

  /** Seed {@code i}'s arc (the last one of its path); callers copy it. */
  FST.Arc<Long> seedArc(int i) {
    return seedArcs[i];
  }

  /** Seed {@code i}'s cost: the summed outputs of its path, i.e. the best rank below it. */
  long seedCost(int i) {
    return seedCosts[i];
  }

  /**
   * Walks below {@code node} (reached at {@code cost}) after {@code depth} chars and {@code level}
   * bytes; {@code remaining} > 0 means inside a multi-byte char whose bits so far are {@code partial}.
   */
  private void visit(FST.Arc<Long> node, long cost, int depth, int level, int partial, int remaining)
      throws IOException {
    int[] row = rows[depth];
    if (remaining == 0 && mins[depth] == maxEdits) {
      visitTargeted(node, cost, depth, level, row);
      return;
    }
    FST.Arc<Long> child = fst.readFirstTargetArc(node, arc(level + 1), in);
    while (true) {
      int label = child.label();
      boolean separator = remaining == 0 && label == KeyEncoding.SEPARATOR;
      if (label != FST.END_LABEL && !separator) {
        long childCost = cost + child.output();
        if (remaining == 0 && label < 0x80) {
          step(child, childCost, depth, level + 1, (char) label);
        } else if (remaining == 0) {
          boolean three = label >= 0xE0;
          visit(child, childCost, depth, level + 1, label & (three ? 0x0F : 0x1F), three ? 2 : 1);
        } else {
          int value = (partial << 6) | (label & 0x3F);
          if (remaining == 1) {
            step(child, childCost, depth, level + 1, (char) value);
          } else {
            visit(child, childCost, depth, level + 1, value, remaining - 1);
          }
        }
      }
      if (child.isLast()) {
        break;
      }
      fst.readNextArc(child, in);
    }
  }

  /** No edit left for an unknown char: follow only the query chars that extend a row cell. */
  private void visitTargeted(FST.Arc<Long> node, long cost, int depth, int level, int[] row)
      throws IOException {
    FST.Arc<Long> child = arc(level + 1);
    next:
    for (int i = 1; i <= n; i++) {
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
      step(child, childCost, depth, level + 1, c);
    }
  }

  /** Extends the row at {@code depth} by {@code c}: a seed, a branch to walk, or nothing. */
  private void step(FST.Arc<Long> child, long cost, int depth, int level, char c) throws IOException {
    int[] row = rows[depth];
    int[] next = rows[depth + 1];
    next[0] = row[0] + 1;
    int min = next[0];
    for (int i = 1; i <= n; i++) {
      int v = Math.min(Math.min(row[i] + 1, next[i - 1] + 1), row[i - 1] + (query[i - 1] == c ? 0 : 1));
      next[i] = v;
      min = Math.min(min, v);
    }
    if (next[n] <= maxEdits) {
      addSeed(child, cost);
    } else if (min <= maxEdits) {
      mins[depth + 1] = min;
      visit(child, cost, depth + 1, level, 0, 0);
    }
  }

  private void addSeed(FST.Arc<Long> arc, long cost) {
    if (seeds == seedCosts.length) {
      seedCosts = Arrays.copyOf(seedCosts, seeds * 2);
      seedArcs = Arrays.copyOf(seedArcs, seeds * 2);
    }
    seedCosts[seeds] = cost;
    FST.Arc<Long> copy = seedArcs[seeds];
    if (copy == null) {
      copy = seedArcs[seeds] = new FST.Arc<>();
    }
    copy.copyFrom(arc);
    seeds++;
  }

  private FST.Arc<Long> arc(int level) {
    if (level >= arcs.length) {
      arcs = Arrays.copyOf(arcs, level * 2);
    }
    FST.Arc<Long> a = arcs[level];
    if (a == null) {
      a = arcs[level] = new FST.Arc<>();
    }
    return a;
  }

  @SuppressWarnings("unchecked")
  private static FST.Arc<Long>[] newArcs(int size) {
    return (FST.Arc<Long>[]) new FST.Arc<?>[size];
  }
}
