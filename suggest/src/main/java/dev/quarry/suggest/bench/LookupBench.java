package dev.quarry.suggest.bench;

import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.Suggestion;
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
 * In-process lookups per second, one thread, for prefixes of length 1–6: the suggest index (fold,
 * hot-prefix cache, snapshot + delta merge, typo fill) beside Lucene's {@code WFSTCompletionLookup}
 * built over the same folded keys and weights, asked the same prefixes in the same run. The WFST
 * matches phrase starts only, with no delta and no typo tolerance, so it is the upper bound.
 *
 * <p>Single-threaded by design; not thread-safe.
 */
final class LookupBench {

  private final List<Suggestion> entries;
  private final SuggestIndex index;
  private final SuggestIndex exactOnly; // same snapshot and delta, typo fill off
  private final WFSTCompletionLookup wfst;
  private final long millisPerRun;
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

  /**
   * Prints one row per prefix length: the full lookup (typo fill on), the exact lookup (typo fill
   * off; the like-for-like comparison), and the WFST. Returns the exact/WFST ratios by length.
   */
  List<Double> run(PrintStream out, int k) throws IOException {
    out.printf("%-6s %14s %7s %14s %7s %14s%n", "prefix", "full/s", "ratio", "exact/s", "ratio", "wfst/s");
    List<Double> ratios = new ArrayList<>();
    for (int len = 1; len <= 6; len++) {
      String[] prefixes = BenchCorpus.prefixes(entries, len, 20_000, 31L * len);
      String[] folded = new String[prefixes.length];
      for (int i = 0; i < prefixes.length; i++) {
        folded[i] = Folding.fold(prefixes[i]);
      }
      measureOurs(index, prefixes, k, millisPerRun / 3); // warm-up
      measureOurs(exactOnly, prefixes, k, millisPerRun / 3);
      measureWfst(folded, k, millisPerRun / 3);
      double full = measureOurs(index, prefixes, k, millisPerRun);
      double exact = measureOurs(exactOnly, prefixes, k, millisPerRun);
      double theirs = measureWfst(folded, k, millisPerRun);
      ratios.add(exact / theirs);
      out.printf("%-6d %14.0f %7.2f %14.0f %7.2f %14.0f%n", len, full, full / theirs, exact, exact / theirs, theirs);
    }
    return ratios;
  }

  private double measureOurs(SuggestIndex index, String[] prefixes, int k, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    long n = 0;
    long start = System.nanoTime();
    long acc = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 256; i++) {
        acc += index.lookup(prefixes[(int) (n++ % prefixes.length)], k).size();
      }
    }
    sink = acc;
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private double measureWfst(String[] folded, int k, long millis) throws IOException {
    long end = System.nanoTime() + millis * 1_000_000;
    long n = 0;
    long start = System.nanoTime();
    long acc = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 256; i++) {
        acc += wfst.lookup(folded[(int) (n++ % folded.length)], (Set<BytesRef>) null, false, k).size();
      }
    }
    sink = acc;
    return n / ((System.nanoTime() - start) / 1e9);
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
