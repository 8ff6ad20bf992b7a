package dev.quarry.suggest.fst;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.text.Folding;
import dev.quarry.suggest.text.WordStarts;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.util.IntsRef;
import org.apache.lucene.util.fst.FST;
import org.apache.lucene.util.fst.FSTCompiler;
import org.apache.lucene.util.fst.PositiveIntOutputs;

/**
 * Builds an {@link FstSnapshot} from an {@link EntryCapture}.
 *
 * <p>Algorithm: rank the entries by (weight desc, text asc); for each entry and each of its match
 * starts ({@link WordStarts}) emit the key {@code encode(folded suffix) 0x00 tieBreaker} with
 * output = rank; sort the keys bytewise and add them to an FST with {@link PositiveIntOutputs}.
 * The tie-breaker numbers the entries sharing one suffix (0, 1, …), which keeps keys unique and
 * the shared tails short so the FST minimizes well. A key's output is its entry's rank, and Lucene
 * pushes the minimum output of every node towards the root, so a top-k search from the query's
 * node returns ranks in ascending order.
 *
 * <p>Stateless; safe for any thread. A build allocates in proportion to the entry set and runs on
 * the rebuild thread, never on a lookup thread.
 */
public final class FstSnapshotBuilder {

  /** One FST key before the tie-breaker is known. */
  private record SuffixKey(byte[] suffix, int rank) implements Comparable<SuffixKey> {
    @Override
    public int compareTo(SuffixKey o) {
      int c = Arrays.compareUnsigned(suffix, o.suffix);
      return c != 0 ? c : Integer.compare(rank, o.rank);
    }
  }

  private FstSnapshotBuilder() {}

  /** Builds the snapshot of {@code capture}, to be published as {@code version}. */
  public static FstSnapshot build(EntryCapture capture, long version, Instant builtAt)
      throws IOException {
    Suggestion[] byRank = capture.entries().toArray(new Suggestion[0]);
    Arrays.sort(byRank, Suggestion.RANKING);
    if (byRank.length == 0) {
      return FstSnapshot.empty(version, capture.generation(), capture.watermark(), builtAt);
    }

    List<SuffixKey> keys = new ArrayList<>(byRank.length * 2);
    int maxStarts = 1;
    for (int rank = 0; rank < byRank.length; rank++) {
      String folded = Folding.fold(byRank[rank].text());
      int[] starts = WordStarts.of(folded);
      maxStarts = Math.max(maxStarts, starts.length);
      for (int start : starts) {
        keys.add(new SuffixKey(KeyEncoding.encodeSuffix(folded, start), rank));
      }
    }
    keys.sort(null);

    FSTCompiler<Long> compiler =
        new FSTCompiler.Builder<>(FST.INPUT_TYPE.BYTE1, PositiveIntOutputs.getSingleton()).build();
    int[] labels = new int[64];
    IntsRef input = new IntsRef();
    byte[] previous = null;
    int tieBreaker = 0;
    for (SuffixKey key : keys) {
      tieBreaker = Arrays.equals(previous, key.suffix()) ? tieBreaker + 1 : 0;
      previous = key.suffix();
      int needed = key.suffix().length + 6;
      if (labels.length < needed) {
        labels = new int[Math.max(needed, labels.length * 2)];
      }
      int pos = 0;
      for (byte b : key.suffix()) {
        labels[pos++] = b & 0xFF;
      }
      labels[pos++] = KeyEncoding.SEPARATOR;
      pos = KeyEncoding.encodeTieBreaker(tieBreaker, labels, pos);
      input.ints = labels;
      input.offset = 0;
      input.length = pos;
      compiler.add(input, (long) key.rank());
    }
    FST<Long> fst = FST.fromFSTReader(compiler.compile(), compiler.getFSTReader());
    return new FstSnapshot(
        fst, byRank, maxStarts, version, capture.generation(), capture.watermark(), builtAt);
  }
}
