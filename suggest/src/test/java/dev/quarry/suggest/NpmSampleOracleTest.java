package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.suggest.BruteForceOracle.Doc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The index against {@link BruteForceOracle} on npm package names weighted by downloads: the
 * bundled slice (every 10th of the first 20,000 lines of the shared data set, fields id, name,
 * downloads) always, and the first 10,000 lines of the shared data set when it is present.
 */
class NpmSampleOracleTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SHARED = Path.of("/work/shared/datasets/npm-packages.jsonl.gz");

  @Test
  void bundledSliceAgreesWithTheOracle() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/npm-sample-2000.jsonl")) {
      Map<String, Doc> docs = read(in, Integer.MAX_VALUE);
      assertThat(docs).hasSizeGreaterThanOrEqualTo(1_900);
      compare(docs, 300, 42);
    }
  }

  @Test
  void first10000LinesOfTheSharedDataSetAgreeWithTheOracle() throws IOException {
    Assumptions.assumeTrue(Files.isReadable(SHARED), "shared data set not present");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(SHARED))) {
      Map<String, Doc> docs = read(in, 10_000);
      compare(docs, 100, 7);
    }
  }

  private static void compare(Map<String, Doc> docs, int prefixCount, long seed) {
    try (SuggestIndex index = SuggestIndex.builder("npm").config(SuggestIndexConfig.manual()).build()) {
      Map<String, Doc> model = new HashMap<>(docs);
      model.forEach((id, doc) -> index.upsert(id, doc.texts(), doc.weight()));
      index.rebuildNow();
      assertThat(index.snapshot().size()).isEqualTo(BruteForceOracle.entries(model).size());
      Random random = new Random(seed);
      checkPrefixes(index, model, prefixCount, random);

      // Updates and deletes that have not reached a snapshot: the delta must make them exact.
      List<String> ids = new ArrayList<>(model.keySet());
      ids.sort(null);
      for (int i = 0; i < ids.size() / 10; i++) {
        String id = ids.get(random.nextInt(ids.size()));
        switch (random.nextInt(3)) {
          case 0 -> {
            index.delete(id);
            model.remove(id);
          }
          case 1 -> {
            Doc d = new Doc(List.of(id), random.nextInt(1_000_000));
            index.upsert(id, d.texts(), d.weight()); // re-weighted, maybe revived
            model.put(id, d);
          }
          default -> {
            String copy = id + "-copy"; // a new document carrying an existing text, heavier or not
            Doc d = new Doc(List.of(id, "new " + id), random.nextInt(1_000_000));
            index.upsert(copy, d.texts(), d.weight());
            model.put(copy, d);
          }
        }
      }
      assertThat(index.deltaSize()).isPositive();
      checkPrefixes(index, model, prefixCount, random);
      index.rebuildNow();
      assertThat(index.deltaSize()).isZero();
      checkPrefixes(index, model, prefixCount / 2, random);
    }
  }

  private static void checkPrefixes(SuggestIndex index, Map<String, Doc> docs, int prefixCount, Random random) {
    List<String> names = new ArrayList<>();
    docs.values().forEach(d -> names.addAll(d.texts()));
    names.sort(null);
    BruteForceOracle.Corpus oracle = BruteForceOracle.of(docs);
    int wordStartPrefixes = 0;
    int typoQueries = 0;
    int firstCharTypos = 0;
    for (int i = 0; i < prefixCount; i++) {
      String name = names.get(random.nextInt(names.size()));
      int from = 0;
      if (random.nextBoolean()) { // a prefix of a later word: "@types/node" → "nod"
        List<Integer> starts = new ArrayList<>();
        for (int p = 1; p < name.length(); p++) {
          if (!Character.isLetterOrDigit(name.charAt(p - 1))) {
            starts.add(p);
          }
        }
        if (!starts.isEmpty()) {
          from = starts.get(random.nextInt(starts.size()));
          wordStartPrefixes++;
        }
      }
      int len = 1 + random.nextInt(Math.min(9, name.length() - from));
      String q = name.substring(from, from + len);
      if (len >= 4 && random.nextInt(3) == 0) { // a typo: substitute, delete or insert one char
        int at = random.nextBoolean() ? 0 : 1 + random.nextInt(len - 1); // the first char half the time
        firstCharTypos += at == 0 ? 1 : 0;
        q = switch (random.nextInt(3)) {
          case 0 -> q.substring(0, at) + "q" + q.substring(at + 1);
          case 1 -> q.substring(0, at) + q.substring(at + 1);
          default -> q.substring(0, at) + "e" + q.substring(at);
        };
        typoQueries++;
      }
      if (random.nextInt(4) == 0) {
        q = q.toUpperCase(Locale.ROOT);
      }
      int k = 1 + random.nextInt(50);
      assertThat(index.lookup(q, k)).as("q=%s k=%d", q, k).isEqualTo(oracle.lookup(q, k));
    }
    assertThat(wordStartPrefixes).isGreaterThan(prefixCount / 10);
    assertThat(typoQueries).isGreaterThan(prefixCount / 20);
    assertThat(firstCharTypos).isGreaterThan(prefixCount / 50);
  }

  private static Map<String, Doc> read(InputStream in, int maxLines) throws IOException {
    Map<String, Doc> docs = new HashMap<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    int lines = 0;
    while (lines++ < maxLines && (line = reader.readLine()) != null) {
      JsonNode node = JSON.readTree(line);
      docs.put(
          node.get("id").asText(),
          new Doc(List.of(node.get("name").asText()), node.path("downloads").asLong(0)));
    }
    return docs;
  }
}
