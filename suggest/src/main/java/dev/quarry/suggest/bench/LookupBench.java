package dev.quarry.suggest.bench;

import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.lookup.TypoRule;
import dev.quarry.suggest.text.Folding;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.lucene.search.suggest.InputIterator;
import org.apache.lucene.search.suggest.fst.WFSTCompletionLookup;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * In-process lookups per second, one thread, for prefixes of length 1–6 cut from the start of
 * random keys: the suggest index as served (fold, hot-prefix cache, snapshot + live delta merge,
 * typo fill) beside Lucene's {@code WFSTCompletionLookup} built over the same folded keys and
 * weights, asked the same prefixes in the same run. The WFST matches phrase starts only, with no
 * delta and no typo tolerance, so it is the upper bound; the index's ratio to it over all the
 * prefixes of a length is the figure.
 *
 * <p>Each length's prefixes are also split by what the lookup has to do: <em>exact only</em>
 * (k exact matches, so no typo search runs) and <em>typo fill</em> (fewer than k exact matches
 * and at least 4 chars, so the typo search fills the rest), each timed on its own beside the
 * WFST on the same subset. The split is decided with an index that serves the same snapshot and
 * delta with typo fill off. Both sides run in alternating 10 ms slices, so that other load on the
 * machine is shared fairly between them.
 *
 * <p>Single-threaded by design; not thread-safe.
 */
final class LookupBench {

  /** One prefix length's figures; a subset that is empty has NaN rates. */
  record Row(int length, Rate all, double typoShare, Rate exactOnly, Rate typoFill) {}

  /** Lookups/s of the index and of the WFST over one set of prefixes. */
  record Rate(double ours, double wfst) {
    static final Rate NONE = new Rate(Double.NaN, Double.NaN);

    double ratio() {
      return ours / wfst;
    }
  }

  private final List<Suggestion> entries;
  private final SuggestIndex index;
  private final SuggestIndex exactOnly; // same snapshot and delta, typo fill off
  private final WFSTCompletionLookup wfst;
  private final long millisPerRun;
  /** Length of one timed slice before switching sides. */
  private static final long SLICE_MILLIS = 10;
  private volatile long sink; // keeps the JIT from dropping lookups

  LookupBench(List<Suggestion> entries, SuggestIndex index, SuggestIndex exactOnly, long millisPerRun)
      throws IOException {
    this.entries = entries;
    this.index = index;
    this.exactOnly = exactOnly;
    this.millisPerRun = millisPerRun;
    this.wfst = new WFSTCompletionLookup(new ByteBuffersDirectory(), "bench", true);
    wfst.build(new Keys(entries));
  }

  /** Prints and returns one row per prefix length 1–6. */
  List<Row> run(PrintStream out, int k) throws IOException {
    out.printf("%-6s | %11s %11s %6s | %5s | %11s %11s %6s | %11s %11s %6s%n", "prefix",
        "all: ours/s", "wfst/s", "ratio", "typo%", "exact: ours", "wfst/s", "ratio",
        "typo: ours", "wfst/s", "ratio");
    List<Row> rows = new ArrayList<>();
    for (int len = 1; len <= 6; len++) {
      String[] prefixes = BenchCorpus.prefixes(entries, len, 20_000, 31L * len);
      List<String> exact = new ArrayList<>();
      List<String> typo = new ArrayList<>();
      for (String p : prefixes) {
        boolean fills = Folding.fold(p).length() >= TypoRule.ONE_EDIT_FROM && exactOnly.lookup(p, k).size() < k;
        (fills ? typo : exact).add(p);
      }
      measure(prefixes, k, millisPerRun / 3); // warm-up
      Rate all = measure(prefixes, k, millisPerRun);
      Rate exactRate = exact.isEmpty() ? Rate.NONE : measure(exact.toArray(new String[0]), k, millisPerRun / 2);
      Rate typoRate = typo.isEmpty() ? Rate.NONE : measure(typo.toArray(new String[0]), k, millisPerRun / 2);
      Row row = new Row(len, all, (double) typo.size() / prefixes.length, exactRate, typoRate);
      rows.add(row);
      out.printf("%-6d | %11.0f %11.0f %6.2f | %4.0f%% | %11.0f %11.0f %6.2f | %11.0f %11.0f %6.2f%n", len,
          all.ours(), all.wfst(), all.ratio(), 100 * row.typoShare(),
          exactRate.ours(), exactRate.wfst(), exactRate.ratio(),
          typoRate.ours(), typoRate.wfst(), typoRate.ratio());
    }
    return rows;
  }

  /**
   * Lookups/s of the index and of the WFST over {@code prefixes}, each timed for about {@code
   * millis} in alternating slices of {@value #SLICE_MILLIS} ms, so that load from other processes
   * on the machine falls on both sides alike. The WFST is asked the folded prefix (folding is the
   * caller's job there), folded up front; the index folds inside its lookup.
   */
  private Rate measure(String[] prefixes, int k, long millis) throws IOException {
    String[] folded = new String[prefixes.length];
    for (int i = 0; i < prefixes.length; i++) {
      folded[i] = Folding.fold(prefixes[i]);
    }
    long budget = millis * 1_000_000;
    long oursNanos = 0;
    long wfstNanos = 0;
    long oursCount = 0;
    long wfstCount = 0;
    long acc = 0;
    while (oursNanos < budget || wfstNanos < budget) {
      long start = System.nanoTime();
      long end = start + SLICE_MILLIS * 1_000_000;
      do {
        for (int i = 0; i < 64; i++) {
          acc += index.lookup(prefixes[(int) (oursCount++ % prefixes.length)], k).size();
        }
      } while (System.nanoTime() < end);
      long middle = System.nanoTime();
      oursNanos += middle - start;
      end = middle + SLICE_MILLIS * 1_000_000;
      do {
        for (int i = 0; i < 64; i++) {
          acc += wfst.lookup(folded[(int) (wfstCount++ % folded.length)], (Set<BytesRef>) null, false, k).size();
        }
      } while (System.nanoTime() < end);
      wfstNanos += System.nanoTime() - middle;
    }
    sink = acc;
    return new Rate(oursCount / (oursNanos / 1e9), wfstCount / (wfstNanos / 1e9));
  }

  /** The folded texts with their weights, for the WFST build. */
  private static final class Keys implements InputIterator {
    private final List<Suggestion> entries;
    private int next;
    private long weight;

    Keys(List<Suggestion> entries) {
      this.entries = entries;
    }

    @Override
    public BytesRef next() {
      if (next == entries.size()) {
        return null;
      }
      Suggestion s = entries.get(next++);
      weight = Math.min(s.weight(), Integer.MAX_VALUE); // the WFST encodes weights as ints
      return new BytesRef(Folding.fold(s.text()));
    }

    @Override
    public long weight() {
      return weight;
    }

    @Override
    public BytesRef payload() {
      return null;
    }

    @Override
    public boolean hasPayloads() {
      return false;
    }

    @Override
    public Set<BytesRef> contexts() {
      return null;
    }

    @Override
    public boolean hasContexts() {
      return false;
    }
  }
}
