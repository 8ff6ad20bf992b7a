package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.BruteForceOracle.Doc;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The index against {@link BruteForceOracle} on random small corpora: random texts with spaces,
 * punctuation, accents, mixed case and surrogates; repeated texts across documents; updates and
 * deletes applied in batches, each batch followed by a rebuild. Queries are every substring of
 * length 1..5 of every text ever written (so word starts, mid-word positions and cross-word
 * prefixes are all tried), in three casings, plus typo variants (one or two edits of substrings of
 * length 3..9, the first char edited too) and a few fixed ones. Every query is checked before the rebuild (snapshot + delta)
 * and after it.
 */
class LookupOraclePropertyTest {

  sealed interface Op permits Upsert, Delete {}

  record Upsert(String docId, List<String> texts, long weight) implements Op {}

  record Delete(String docId) implements Op {}

  private static final char[] ALPHABET = {
    'a', 'A', 'b', 'B', 'c', 'é', 'É', 'ß', 'Æ', 'ä', 'İ', '1', '2', ' ', ' ', '-', '_', '.', '/',
    '@', '\'', '\uD83D', '\uDE00', '\u0000'
  };
  private static final List<String> POOL =
      List.of("React", "react", "react-dom", "@types/node", "Émile", "emile", "a b", "b", "a-a-a",
          "ab ab", "Straße", "strasse", "x y z", "1a", "-", "A");
  private static final List<String> FIXED_QUERIES =
      List.of("a", "A", "-", " ", "É", "ss", "ae", "react d", "dom x", "@", "/node", "a-a", "b a",
          "raect", "reac-dim", "emlie", "strase", "typesnode", "@tpyes/node", "a-a-b", "xyzw",
          "xeact", "eact", "rreact", "ypes/node", "zmile", "dreact-dom", "1b a");

  @Property(tries = 250)
  void lookupAgreesWithTheOracle(
      @ForAll("batches") List<List<Op>> batches, @ForAll("ks") int k) {
    try (SuggestIndex index = SuggestIndex.builder("prop").config(SuggestIndexConfig.manual()).build()) {
      Map<String, Doc> model = new HashMap<>();
      Set<String> queries = new LinkedHashSet<>(FIXED_QUERIES);
      for (List<Op> batch : batches) {
        for (Op op : batch) {
          switch (op) {
            case Upsert u -> {
              index.upsert(u.docId(), u.texts(), u.weight());
              model.put(u.docId(), new Doc(u.texts(), u.weight()));
              u.texts().forEach(t -> addQueries(t, queries));
            }
            case Delete d -> {
              index.delete(d.docId());
              model.remove(d.docId());
            }
          }
        }
        BruteForceOracle.Corpus oracle = BruteForceOracle.of(model);
        // Visible before the rebuild, through the streaming delta over the previous snapshot.
        for (String q : queries) {
          assertThat(index.lookup(q, k)).as("q=%s k=%d before rebuild", q, k).isEqualTo(oracle.lookup(q, k));
        }
        index.rebuildNow();
        assertThat(index.deltaSize()).isZero();
        for (String q : queries) {
          assertThat(index.lookup(q, k)).as("q=%s k=%d", q, k).isEqualTo(oracle.lookup(q, k));
        }
      }
      assertThat(index.snapshot().size()).isEqualTo(BruteForceOracle.entries(model).size());
    }
  }

  static void addQueries(String text, Set<String> queries) {
    for (int i = 0; i < text.length(); i++) {
      for (int len = 1; len <= 9 && i + len <= text.length(); len++) {
        String q = text.substring(i, i + len);
        if (len <= 5) {
          queries.add(q);
          queries.add(q.toUpperCase(java.util.Locale.ROOT));
          queries.add(q.toLowerCase(java.util.Locale.ROOT));
        }
        if (len >= 3) { // typo variants: one or two edits of a real substring
          int m = len / 2;
          queries.add(q.substring(0, m) + "x" + q.substring(m + 1)); // substitute
          queries.add(q.substring(0, m) + q.substring(m + 1)); // delete
          queries.add(q.substring(0, m) + "b" + q.substring(m)); // insert
          queries.add("z" + q.substring(1, len - 1) + "a"); // two substitutions
          queries.add(q + "ab"); // two inserts at the end
          queries.add("x" + q.substring(1)); // the first char substituted
          queries.add("a" + q); // a char inserted before the first
          queries.add(q.substring(1, m) + "a" + q.substring(m + 1)); // first deleted, one substituted
        }
      }
    }
  }

  @Provide
  Arbitrary<Integer> ks() {
    return Arbitraries.of(1, 2, 3, 10, 50);
  }

  @Provide
  Arbitrary<List<List<Op>>> batches() {
    Arbitrary<String> docIds = Arbitraries.of("d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7");
    Arbitrary<String> text =
        Arbitraries.oneOf(
            Arbitraries.of(POOL),
            Arbitraries.strings().withChars(ALPHABET).ofMinLength(0).ofMaxLength(8));
    Arbitrary<Op> upsert =
        Combinators.combine(
                docIds, text.list().ofMaxSize(3), Arbitraries.longs().between(0, 4))
            .as(Upsert::new);
    Arbitrary<Op> delete = docIds.map(Delete::new);
    Arbitrary<Op> op = Arbitraries.frequencyOf(Tuple.of(4, upsert), Tuple.of(1, delete));
    return op.list().ofMaxSize(16).list().ofMinSize(1).ofMaxSize(3);
  }
}
