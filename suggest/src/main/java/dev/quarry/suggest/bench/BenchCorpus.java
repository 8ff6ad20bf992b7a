package dev.quarry.suggest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.suggest.Suggestion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Benchmark corpora: the npm names (id, name, downloads per JSON line, gzipped or plain) and
 * synthetic package-like names ("word-word-n", Zipf-ish weights) of any size, seeded.
 *
 * <p>Stateless; safe for any thread.
 */
final class BenchCorpus {

  private static final String[] SYLLABLES = {
    "re", "act", "dom", "no", "de", "ty", "pes", "lo", "dash", "vue", "core", "js", "web", "pack",
    "ex", "press", "ba", "bel", "util", "str", "ing", "parse", "json", "mo", "ment", "chalk", "co",
    "mand", "er", "ax", "ios", "rx", "ang", "ular", "svelte", "next", "nuxt", "ts", "lint", "test"
  };

  private BenchCorpus() {}

  /** One entry per line: text = name, weight = downloads, id = id. */
  static List<Suggestion> npm(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Suggestion> out = new ArrayList<>(250_000);
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = json.readTree(line);
        String name = n.path("name").asText("");
        if (!name.isEmpty()) {
          out.add(new Suggestion(name, n.path("downloads").asLong(0), n.path("id").asText(name)));
        }
      }
    }
    return out;
  }

  /** {@code n} distinct synthetic names like "react-dom-vue-123" with heavy-tailed weights. */
  static List<Suggestion> synthetic(int n, long seed) {
    Random random = new Random(seed);
    List<Suggestion> out = new ArrayList<>(n);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.setLength(0);
      int words = 1 + random.nextInt(3);
      for (int w = 0; w < words; w++) {
        if (w > 0) {
          sb.append(random.nextInt(4) == 0 ? '/' : '-');
        }
        int syllables = 1 + random.nextInt(3);
        for (int s = 0; s < syllables; s++) {
          sb.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
        }
      }
      sb.append('-').append(Integer.toString(i, 36)); // distinct
      long weight = (long) (1_000_000_000 / Math.pow(1 + random.nextInt(1_000_000), 1.2));
      String text = sb.toString();
      out.add(new Suggestion(text, weight, text));
    }
    return out;
  }

  /**
   * {@code count} prefixes of length {@code len}, cut from the start of names drawn at random
   * (uniformly, so mostly long-tail names); the start, because the WFST baseline matches phrase
   * starts only.
   */
  static String[] prefixes(List<Suggestion> entries, int len, int count, long seed) {
    Random random = new Random(seed);
    String[] out = new String[count];
    int filled = 0;
    while (filled < count) {
      String text = entries.get(random.nextInt(entries.size())).text();
      if (text.length() < len) {
        continue;
      }
      out[filled++] = text.substring(0, len);
    }
    return out;
  }
}
