package dev.quarry.suggest.fst;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.util.fst.FST;

/**
 * Best-first top-k search over a snapshot FST whose outputs are entry ranks: the algorithm of
 * Lucene's {@code Util.TopNSearcher}, specialised so that a queued path is just (cost, arc).
 * Lucene's searcher also copies the input label sequence into every queued path so it can return
 * it and break cost ties by it; here the output alone names the entry, and ties are broken by
 * insertion order, so a lookup allocates at most {@code maxQueueDepth + 1} small paths and no
 * label arrays.
 *
 * <p>Algorithm: queue every arc leaving the start node with cost = start cost + arc output. Then
 * repeatedly pop the cheapest path and follow zero-output arcs to a final state, queueing every
 * other arc met on the way; the FST pushes each node's minimum output towards the root, so the
 * zero-output walk completes the path at exactly its queued cost, and results come out in
 * ascending rank. An entry reached through several word starts yields equal costs one after
 * another, so comparing with the previous result removes duplicates.
 *
 * <p>Exactness: the queue keeps the {@code maxQueueDepth} cheapest paths. A dropped path is only
 * needed if more complete paths are consumed than the queue held, i.e. if rejected (duplicate or
 * filtered) results plus k exceed the depth; {@link #search} reports that as incomplete, like
 * Lucene's {@code TopResults.isComplete}, and the caller retries deeper.
 *
 * <p>Thread-safety: one instance per lookup, confined to the calling thread.
 */
final class RankSearcher {

  /** A queued partial path: its cost so far and the arc to continue from. */
  private static final class Path {
    long cost;
    long order; // insertion number: among equal costs, earlier paths come first
    final FST.Arc<Long> arc = new FST.Arc<>();
  }

  /** What a search found: ranks best first, and whether the queue was deep enough. */
  record Ranks(int[] ranks, int count, boolean complete) {}

  private final FST<Long> fst;
  private final FST.BytesReader in;
  private final int k;
  private final int maxQueueDepth;
  private final RankFilter filter;
  /** Sorted worst first: the cheapest path is at {@code size - 1}, the dearest at 0. */
  private Path[] queue;
  private int size;
  private long nextOrder;
  private Path spare; // a popped path, reused for the next insertion
  private final FST.Arc<Long> zeroArc = new FST.Arc<>();

  RankSearcher(FST<Long> fst, FST.BytesReader in, int k, int maxQueueDepth, RankFilter filter) {
    if (maxQueueDepth <= k) {
      throw new IllegalArgumentException("maxQueueDepth must exceed k");
    }
    this.fst = fst;
    this.in = in;
    this.k = k;
    this.maxQueueDepth = maxQueueDepth;
    this.filter = filter;
    this.queue = new Path[Math.min(maxQueueDepth, 64)];
  }

  /** Searches below the target node of {@code from}, reached at cost {@code startCost}. */
  Ranks search(FST.Arc<Long> from, long startCost) throws IOException {
    seed(from, startCost);
    return drain();
  }

  /**
   * Searches below every seed of {@code typos}: each seed (its last arc, its cost) is queued as a
   * partial path, as the children of the start node are in {@link #search(FST.Arc, long)}.
   */
  Ranks search(TypoSearcher typos) throws IOException {
    for (int i = 0; i < typos.seeds(); i++) {
      offer(typos.seedCost(i), typos.seedArc(i));
    }
    return drain();
  }

  private void seed(FST.Arc<Long> from, long startCost) throws IOException {
    FST.Arc<Long> arc = fst.readFirstTargetArc(from, new FST.Arc<>(), in);
    while (true) {
      if (arc.label() != FST.END_LABEL) { // the empty completion is never a key here
        offer(startCost + arc.output(), arc);
      }
      if (arc.isLast()) {
        break;
      }
      fst.readNextArc(arc, in);
    }
  }

  private Ranks drain() throws IOException {
    int[] ranks = new int[k];
    int count = 0;
    int rejected = 0;
    long previous = -1;
    while (count < k && size > 0) {
      Path path = queue[--size];
      queue[size] = null;
      long cost = path.cost;
      FST.Arc<Long> walk = path.arc;
      while (walk.label() != FST.END_LABEL) {
        fst.readFirstTargetArc(walk, walk, in);
        boolean foundZero = false;
        while (true) {
          long output = walk.output();
          if (output == 0 && !foundZero) {
            foundZero = true;
            zeroArc.copyFrom(walk);
          } else {
            offer(cost + output, walk);
          }
          if (walk.isLast()) {
            break;
          }
          fst.readNextArc(walk, in);
        }
        if (!foundZero) {
          throw new IllegalStateException("FST node without a zero-output arc");
        }
        walk.copyFrom(zeroArc);
      }
      spare = path;
      if (cost == previous) {
        rejected++; // the same entry through another of its word starts
        continue;
      }
      previous = cost;
      if (filter.accept((int) cost)) {
        ranks[count++] = (int) cost;
      } else {
        rejected++;
      }
    }
    return new Ranks(ranks, count, rejected + k <= maxQueueDepth);
  }

  /** Queues (cost, arc) if it is among the {@code maxQueueDepth} cheapest seen. */
  private void offer(long cost, FST.Arc<Long> arc) {
    Path path;
    if (size == maxQueueDepth) {
      Path worst = queue[0];
      if (cost >= worst.cost) {
        return; // an equal cost loses: it was inserted later
      }
      System.arraycopy(queue, 1, queue, 0, --size);
      path = worst;
    } else if (spare != null) {
      path = spare;
      spare = null;
    } else {
      path = new Path();
    }
    path.cost = cost;
    path.order = nextOrder++;
    path.arc.copyFrom(arc);
    insert(path);
  }

  /** Inserts keeping the order: cost descending, then insertion order descending. */
  private void insert(Path path) {
    int lo = 0;
    int hi = size;
    while (lo < hi) { // first position whose path is cheaper than or equal-but-older than path
      int mid = (lo + hi) >>> 1;
      Path p = queue[mid];
      if (p.cost > path.cost || (p.cost == path.cost && p.order > path.order)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (size == queue.length) {
      grow();
    }
    Path[] q = queue;
    System.arraycopy(q, lo, q, lo + 1, size - lo);
    q[lo] = path;
    size++;
  }

  private void grow() {
    queue = Arrays.copyOf(queue, Math.min(maxQueueDepth, queue.length * 2));
  }
}
