package dev.quarry.suggest.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.lookup.TypoRule;
import dev.quarry.suggest.text.Folding;
import dev.quarry.suggest.text.WordStarts;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The typo pre-test of {@link SuffixView} never rules out a true typo match, and tracks the delta. */
class SuffixViewTest {

  private static final char[] ALPHABET = {'a', 'b', 'c', 'd', 'e', '-', ' ', 'é', '中', '1'};

  @Property(tries = 300)
  void preTestKeepsEveryMatchStartWithinTheEdits(
      @ForAll("texts") List<String> texts, @ForAll("queries") String query, @ForAll("edits") int maxEdits) {
    Delta delta = new Delta();
    texts.forEach(t -> record(delta, t));
    char[] q = Folding.fold(query).toCharArray();
    if (q.length <= maxEdits) {
      return;
    }
    Set<String> visited = new HashSet<>();
    delta.suffixView().forEachTypoCandidate(q, maxEdits, (suffix, text) -> visited.add(text + "\u0000" + suffix));
    int[] a = new int[q.length + 1];
    int[] b = new int[q.length + 1];
    for (String text : new HashSet<>(texts)) {
      String folded = Folding.fold(text);
      for (int start : WordStarts.of(folded)) {
        String suffix = folded.substring(start);
        if (TypoRule.prefixDistance(q, suffix, 0, maxEdits, a, b) <= maxEdits) {
          assertThat(visited).as("q=%s text=%s suffix=%s", query, text, suffix).contains(text + "\u0000" + suffix);
        }
      }
    }
  }

  @Test
  void aNewChangeIsInTheNextView() {
    Delta delta = new Delta();
    record(delta, "react");
    assertThat(delta.suffixView().size()).isEqualTo(1);
    assertThat(delta.suffixView()).as("unchanged delta: the same view").isSameAs(delta.suffixView());
    record(delta, "vue-router");
    Set<String> seen = new HashSet<>();
    delta.suffixView().forEachTypoCandidate("xouter".toCharArray(), 1, (suffix, text) -> seen.add(suffix));
    assertThat(seen).contains("router");
    assertThat(delta.suffixView().size()).isEqualTo(3);
  }

  @Test
  void preTestRulesOutSuffixesWithTooManyMissingChars() {
    Delta delta = new Delta();
    record(delta, "react");
    record(delta, "zzzzzz");
    Set<String> seen = new HashSet<>();
    delta.suffixView().forEachTypoCandidate("reacx".toCharArray(), 1, (suffix, text) -> seen.add(text));
    assertThat(seen).containsExactly("react");
  }

  private static void record(Delta delta, String text) {
    delta.record(text, new Suggestion(text, 1, text), 1, 0);
    delta.commit();
  }

  @Provide
  Arbitrary<List<String>> texts() {
    return Arbitraries.strings().withChars(ALPHABET).ofMinLength(0).ofMaxLength(14).list().ofMaxSize(30);
  }

  @Provide
  Arbitrary<String> queries() {
    return Arbitraries.strings().withChars(ALPHABET).ofMinLength(2).ofMaxLength(12);
  }

  @Provide
  Arbitrary<Integer> edits() {
    return Arbitraries.of(1, 2);
  }
}
