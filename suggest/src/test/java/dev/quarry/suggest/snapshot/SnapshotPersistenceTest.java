package dev.quarry.suggest.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.suggest.BruteForceOracle;
import dev.quarry.suggest.BruteForceOracle.Doc;
import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexConfig;
import dev.quarry.suggest.feed.SuggestFeed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each published snapshot is saved with its offsets and the documents' contributions; a new index
 * over the same directory serves the same answers without a build, resumes the feed at the saved
 * offsets, and still applies updates and deletes of documents that only the snapshot knew.
 */
class SnapshotPersistenceTest {

  private static final IndexSchema SCHEMA =
      IndexSchema.parse(
          """
          {"fields": {"name": {"type": "text"}, "downloads": {"type": "long"}},
           "default_fields": ["name"], "suggest": {"input": ["name"], "weight": "downloads"},
           "partitions": 2, "shards": 1, "replicas": 1}
          """);

  @TempDir Path dir;

  @Test
  void aRestartServesTheSameAnswersAndReplaysOnlyWhatFollowed() {
    Map<String, Doc> model = corpus(3_000, new Random(3));
    List<String> queries = queries(model, new Random(4));
    List<List<?>> before = new ArrayList<>();
    long version;
    try (SuggestIndex first = open()) {
      model.forEach((id, d) -> first.upsert(id, d.texts(), d.weight()));
      first.setWatermark(Map.of(0, 1_500L, 1, 1_500L));
      version = first.rebuildNow();
      for (String q : queries) {
        before.add(first.lookup(q, 10));
      }
      first.upsert("not-saved", List.of("unsaved text"), 5); // in the delta only: replayed later
    }
    assertThat(Files.exists(dir.resolve("snapshot.bin"))).isTrue();

    try (SuggestIndex second = open()) {
      assertThat(second.snapshotVersion()).isEqualTo(version);
      assertThat(second.deltaSize()).isZero();
      assertThat(second.lookup("unsaved", 10)).isEmpty();
      for (int i = 0; i < queries.size(); i++) {
        assertThat(second.lookup(queries.get(i), 10)).as("q=%s", queries.get(i)).isEqualTo(before.get(i));
      }
      SuggestFeed feed = new SuggestFeed(second, SCHEMA);
      assertThat(feed.nextOffsets()).isEqualTo(Map.of(0, 1_500L, 1, 1_500L));

      // Documents known only from the snapshot can still be deleted and re-weighted.
      String victim = model.keySet().stream().sorted().findFirst().orElseThrow();
      String reweighted = model.keySet().stream().sorted().skip(1).findFirst().orElseThrow();
      feed.apply(List.of(
          new LogRecord(0, 1_500, victim, null, null, 0),
          new LogRecord(1, 1_500, reweighted,
              ("{\"name\":\"" + reweighted + "\",\"downloads\":7}").getBytes(StandardCharsets.UTF_8), null, 0),
          new LogRecord(0, 1_400, "stale", "{\"name\":\"stale\"}".getBytes(StandardCharsets.UTF_8), null, 0)));
      model.remove(victim);
      model.put(reweighted, new Doc(List.of(reweighted), 7));
      assertThat(feed.nextOffsets()).isEqualTo(Map.of(0, 1_501L, 1, 1_501L));
      BruteForceOracle.Corpus oracle = BruteForceOracle.of(model);
      for (String q : queries) {
        assertThat(second.lookup(q, 10)).as("q=%s after restore", q).isEqualTo(oracle.lookup(q, 10));
      }
      assertThat(second.lookup(victim, 10)).extracting(s -> s.text()).doesNotContain(victim);
    }
  }

  @Test
  void aCorruptSnapshotIsIgnored() throws IOException {
    try (SuggestIndex first = open()) {
      first.upsert("a", List.of("alpha"), 1);
      first.setWatermark(Map.of(0, 1L));
      first.rebuildNow();
    }
    Path file = dir.resolve("snapshot.bin");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(file, bytes);
    try (SuggestIndex second = open()) {
      assertThat(second.snapshotVersion()).isZero();
      assertThat(second.watermark().offsets()).as("replays from the start").isEmpty();
      assertThat(second.lookup("alp", 10)).isEmpty();
    }
    Files.write(file, new byte[] {1, 2, 3});
    try (SuggestIndex third = open()) {
      assertThat(third.snapshotVersion()).isZero();
    }
  }

  private SuggestIndex open() {
    return SuggestIndex.builder("persist").config(SuggestIndexConfig.manual()).dataDir(dir).build();
  }

  static Map<String, Doc> corpus(int n, Random random) {
    String[] words = {"react", "dom", "node", "types", "émile", "zola", "lodash", "vue", "core", "js"};
    Map<String, Doc> docs = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String text = words[random.nextInt(words.length)] + "-" + words[random.nextInt(words.length)] + i % 700;
      docs.put("id" + i, new Doc(List.of(text), random.nextInt(10_000)));
    }
    return docs;
  }

  static List<String> queries(Map<String, Doc> docs, Random random) {
    List<String> texts = new ArrayList<>();
    docs.values().forEach(d -> texts.addAll(d.texts()));
    texts.sort(null);
    List<String> out = new ArrayList<>(List.of("r", "re", "dom", "zol", "emile", "lodahs", "typesnode"));
    for (int i = 0; i < 60; i++) {
      String t = texts.get(random.nextInt(texts.size()));
      out.add(t.substring(0, 1 + random.nextInt(Math.min(8, t.length()))));
    }
    return out;
  }
}
