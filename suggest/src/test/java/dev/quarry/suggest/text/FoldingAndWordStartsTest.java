package dev.quarry.suggest.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.BruteForceOracle;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import org.junit.jupiter.api.Test;

class FoldingAndWordStartsTest {

  @Test
  void foldsCaseAndAccents() {
    assertThat(Folding.fold("Émile")).isEqualTo("emile");
    assertThat(Folding.fold("REACT-Dom")).isEqualTo("react-dom");
    assertThat(Folding.fold("Straße")).isEqualTo("strasse");
    assertThat(Folding.fold("Æther")).isEqualTo("aether");
    assertThat(Folding.fold("")).isEmpty();
  }

  @Test
  void wordStartsFollowNonLetterOrDigit() {
    assertThat(WordStarts.of("react-dom")).containsExactly(0, 6);
    assertThat(WordStarts.of("@types/node")).containsExactly(0, 1, 7);
    assertThat(WordStarts.of("a--b c")).containsExactly(0, 2, 3, 5); // every position after a separator (INTERFACES.md)
    assertThat(WordStarts.of("abc")).containsExactly(0);
    assertThat(WordStarts.of("")).containsExactly(0);
    assertThat(WordStarts.of("x\uD83D\uDE00y")).containsExactly(0, 3);
  }

  @Property(tries = 300)
  void foldingMatchesTheLiteralDefinition(
      @ForAll @Chars({'É', 'ß', 'Æ', 'İ', 'ẞ', '⑽', 'ᴀ', '\uD83D', '\uDE00', ' ', '-'})
          @CharRange(from = 'A', to = 'z')
          String s) {
    assertThat(Folding.fold(s)).isEqualTo(BruteForceOracle.fold(s));
  }
}
