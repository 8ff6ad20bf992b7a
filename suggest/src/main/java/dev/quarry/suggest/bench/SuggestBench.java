package dev.quarry.suggest.bench;

import dev.quarry.common.io.FileTrees;
import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexConfig;
import dev.quarry.suggest.SuggestIndexRegistry;
import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.fst.FstSnapshotBuilder;
import dev.quarry.suggest.http.SuggestHttpConfig;
import dev.quarry.suggest.http.SuggestHttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * {@code quarry bench suggest}: build time and bytes per key (npm names and synthetic keys),
 * restore time of a persisted snapshot, in-process lookups/s beside Lucene's
 * {@code WFSTCompletionLookup} in the same run (with a live delta on), and HTTP throughput and
 * latency on loopback. Figures only; nothing here asserts.
 *
 * <p>Not thread-safe; one run at a time.
 */
public final class SuggestBench {

  /**
   * @param npm the npm corpus (JSON lines: id, name, downloads; gzipped or plain)
   * @param syntheticKeys synthetic keys for the scale build (0 skips it)
   * @param millis length of each timed run, in ms
   * @param connections HTTP keep-alive connections (0 skips the HTTP part)
   * @param deltaChanges changes applied after the last build, so lookups merge a live delta
   * @param k suggestions per lookup
   */
  public record Options(Path npm, int syntheticKeys, long millis, int connections, int deltaChanges, int k) {
    public Options {
      Objects.requireNonNull(npm, "npm");
    }

    public static Options defaults() {
      return new Options(Path.of("/work/shared/datasets/npm-packages.jsonl.gz"), 2_000_000, 3_000, 4, 1_000, 10);
    }
  }

  private SuggestBench() {}

  public static void run(Options o, PrintStream out) throws Exception {
    out.printf("quarry bench suggest: %s, %s, %d cores, max heap %d MiB%n", o.npm(),
        Runtime.version(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    List<Suggestion> npm = BenchCorpus.npm(o.npm());
    out.printf("npm corpus: %d documents%n", npm.size());
    buildFigures("npm", npm, out);

    Path dir = Files.createTempDirectory("quarry-bench-suggest");
    try {
      SuggestIndex index = load(npm, dir);
      long t0 = System.nanoTime();
      index.rebuildNow(); // build + publish + persist
      long buildAndSaveMs = ms(t0);
      long fileBytes = Files.size(dir.resolve("snapshot.bin"));
      index.close();
      long r0 = System.nanoTime();
      SuggestIndex restored = SuggestIndex.builder("npm").config(SuggestIndexConfig.manual()).dataDir(dir).build();
      long restoreMs = ms(r0);
      out.printf("persist: build+publish+save %d ms, file %.1f MiB (%.1f bytes/doc); restore on start %d ms"
              + " (%.0f%% of build+save)%n",
          buildAndSaveMs, fileBytes / 1048576.0, (double) fileBytes / npm.size(), restoreMs,
          100.0 * restoreMs / buildAndSaveMs);

      SuggestIndex exactOnly = SuggestIndex.builder("npm-exact")
          .config(SuggestIndexConfig.manual().withTypos(false)).dataDir(dir).build();
      applyDelta(restored, npm, o.deltaChanges());
      applyDelta(exactOnly, npm, o.deltaChanges());
      out.printf("delta on: %d changed texts held in the delta during the lookup runs%n", restored.deltaSize());
      List<LookupBench.Row> rows = new LookupBench(npm, restored, exactOnly, o.millis()).run(out, o.k());
      exactOnly.close();
      out.printf("headline (issue 6): in-process lookups/s vs WFSTCompletionLookup, prefixes of length 1-6 cut"
              + " from the keys, delta on, typo fill on (target >= 0.7):%n");
      out.printf("  mix of lengths 1-6 (equal share): ratio %.2f; mix of lengths 4-6: ratio %.2f;"
              + " worst single length: %.2f%n",
          mixRatio(rows, 1), mixRatio(rows, 4), rows.stream().mapToDouble(r -> r.all().ratio()).min().orElse(0));
      out.printf("  split: exact-only prefixes, worst length %.2f; typo-fill prefixes (4-6 chars, < k exact),"
              + " worst length %.2f%n",
          rows.stream().mapToDouble(r -> r.exactOnly().ratio()).filter(d -> !Double.isNaN(d)).min().orElse(0),
          rows.stream().mapToDouble(r -> r.typoFill().ratio()).filter(d -> !Double.isNaN(d)).min().orElse(0));
      out.printf("hot-prefix cache (1-3 char prefixes; the WFST has none) hit ratio over the lookup runs: %.2f%n",
          restored.cacheHitRatio());

      if (o.connections() > 0) {
        http(restored, npm, o, out);
      }
      restored.close();
    } finally {
      FileTrees.delete(dir);
    }
    if (o.syntheticKeys() > 0) {
      npm = null;
      System.gc();
      buildFigures("synthetic", BenchCorpus.synthetic(o.syntheticKeys(), 42), out);
    }
  }

  private static void buildFigures(String name, List<Suggestion> entries, PrintStream out) throws IOException {
    EntryCapture capture = new EntryCapture(distinct(entries), 1, Watermark.EMPTY);
    System.gc();
    long heapBefore = usedHeap();
    long t0 = System.nanoTime();
    FstSnapshot snapshot = FstSnapshotBuilder.build(capture, 1, Instant.now());
    long buildMs = ms(t0);
    System.gc();
    long retained = usedHeap() - heapBefore;
    out.printf("%s build: %d keys in %d ms; FST %.1f MiB = %.1f bytes/key; FST + rank array retained ~%.0f bytes/key%n",
        name, snapshot.size(), buildMs, snapshot.fstBytes() / 1048576.0,
        (double) snapshot.fstBytes() / snapshot.size(), (double) retained / snapshot.size());
  }

  private static List<Suggestion> distinct(List<Suggestion> entries) {
    java.util.Map<String, Suggestion> byText = new java.util.HashMap<>();
    for (Suggestion s : entries) {
      byText.merge(s.text(), s, (a, b) -> Suggestion.RANKING.compare(a, b) <= 0 ? a : b);
    }
    return new ArrayList<>(byText.values());
  }

  private static SuggestIndex load(List<Suggestion> entries, Path dir) {
    SuggestIndex index = SuggestIndex.builder("npm").config(SuggestIndexConfig.manual()).dataDir(dir).build();
    for (Suggestion s : entries) {
      index.upsert(s.id(), List.of(s.text()), s.weight());
    }
    index.setWatermark(java.util.Map.of(0, (long) entries.size()));
    return index;
  }

  private static void applyDelta(SuggestIndex index, List<Suggestion> entries, int changes) {
    Random random = new Random(5);
    for (int i = 0; i < changes; i++) {
      Suggestion s = entries.get(random.nextInt(entries.size()));
      switch (i % 3) {
        case 0 -> index.upsert(s.id(), List.of(s.text()), s.weight() * 2 + 1); // re-weighted
        case 1 -> index.delete(s.id());
        default -> index.upsert("bench-new-" + i, List.of(s.text() + "-next"), s.weight());
      }
    }
  }

  private static void http(SuggestIndex index, List<Suggestion> entries, Options o, PrintStream out)
      throws Exception {
    SuggestIndexRegistry registry = new SuggestIndexRegistry();
    registry.register(index);
    List<String> queries = new ArrayList<>();
    for (int len = 1; len <= 6; len++) {
      queries.addAll(List.of(BenchCorpus.prefixes(entries, len, 2_000, 77L * len)));
    }
    java.util.Collections.shuffle(queries, new Random(9));
    try (SuggestHttpServer server = SuggestHttpServer.start(
        SuggestHttpConfig.ephemeral().withIoThreads(1), registry, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      new HttpBench("127.0.0.1", server.port(), "npm", queries.toArray(new String[0]))
          .run(o.connections(), o.millis(), out);
    }
  }

  /**
   * The ratio of throughputs over an equal mix of the lengths from {@code fromLength} to 6: each
   * side's mean time per lookup is the mean of 1 / rate over those lengths.
   */
  private static double mixRatio(List<LookupBench.Row> rows, int fromLength) {
    double ours = 0;
    double wfst = 0;
    for (LookupBench.Row r : rows) {
      if (r.length() >= fromLength) {
        ours += 1 / r.all().ours();
        wfst += 1 / r.all().wfst();
      }
    }
    return wfst / ours;
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static long ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
