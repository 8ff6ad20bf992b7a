package dev.quarry.suggest.fst;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import dev.quarry.suggest.entries.EntryCapture;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FstSnapshotTest {

  /**
   * The best entry matches "a" at ten word starts whose suffixes branch ("a b …", "a c …"), so
   * ten paths share the best output. They flood the first, tight search queue and push the other
   * candidates out; the lookup must notice and search again with a queue deep enough.
   */
  @Test
  void duplicatePathsOfOneEntryDoNotCrowdOutTheRest() throws IOException {
    List<Suggestion> entries = new ArrayList<>();
    String dup = "a b a c a d a e a f a g a h a i a j a k";
    entries.add(new Suggestion(dup, 1_000, "dup"));
    for (int i = 0; i < 10; i++) {
      entries.add(new Suggestion("a" + i, 900 - i, "id-" + i));
    }
    FstSnapshot snapshot = build(entries);

    List<Suggestion> top = snapshot.topK("a", 5);

    assertThat(top).extracting(Suggestion::text).containsExactly(dup, "a0", "a1", "a2", "a3");
  }

  @Test
  void rankFilterHidesEntriesAndStillFillsK() throws IOException {
    List<Suggestion> entries = new ArrayList<>();
    IntStream.range(0, 30).forEach(i -> entries.add(new Suggestion("item " + i, 100 - i, "d" + i)));
    FstSnapshot snapshot = build(entries);
    RankFilter hideOddRanksBelowTen =
        new RankFilter() {
          @Override
          public boolean accept(int rank) {
            return rank >= 10 || rank % 2 == 0;
          }

          @Override
          public int maxRejected() {
            return 5;
          }
        };

    List<Suggestion> top = snapshot.topK("it", 8, hideOddRanksBelowTen);

    assertThat(top).extracting(Suggestion::id)
        .containsExactly("d0", "d2", "d4", "d6", "d8", "d10", "d11", "d12");
  }

  @Test
  void emptySnapshotAndMissingPrefixAnswerNothing() throws IOException {
    assertThat(build(List.of()).topK("a", 10)).isEmpty();
    FstSnapshot snapshot = build(List.of(new Suggestion("react", 1, "react")));
    assertThat(snapshot.topK("x", 10)).isEmpty();
    assertThat(snapshot.topK("reacts", 10)).isEmpty();
    assertThat(snapshot.topK("react", 10)).hasSize(1);
  }

  @Test
  void ranksTieOnWeightByText() throws IOException {
    FstSnapshot snapshot =
        build(List.of(new Suggestion("b", 5, "1"), new Suggestion("a", 5, "2"), new Suggestion("B", 5, "3")));
    assertThat(snapshot.topK("b", 10)).extracting(Suggestion::text).containsExactly("B", "b");
    assertThat(snapshot.entry(0).text()).isEqualTo("B");
  }

  /** Typo matches from the root: the first char, ASCII or multi-byte, may be the edited one. */
  @Test
  void typoSearchEditsTheFirstCharToo() throws IOException {
    FstSnapshot snapshot = build(List.of(
        new Suggestion("react", 10, "r"), new Suggestion("preact", 9, "p"),
        new Suggestion("中文abc", 8, "z"), new Suggestion("x-redux", 7, "x")));

    assertThat(snapshot.typoTopK("xeact", 1, 10, RankFilter.NONE)).extracting(Suggestion::id)
        .containsExactly("r");
    assertThat(snapshot.typoTopK("eact", 1, 10, RankFilter.NONE)).as("first char deleted")
        .extracting(Suggestion::id).containsExactly("r");
    assertThat(snapshot.typoTopK("aredux", 1, 10, RankFilter.NONE)).as("at a word start")
        .extracting(Suggestion::id).containsExactly("x");
    assertThat(snapshot.typoTopK("x文ab", 1, 10, RankFilter.NONE)).as("a 3-byte first char substituted")
        .extracting(Suggestion::id).containsExactly("z");
    assertThat(snapshot.typoTopK("文abc", 1, 10, RankFilter.NONE)).as("a 3-byte first char deleted")
        .extracting(Suggestion::id).containsExactly("z");
    assertThat(snapshot.typoTopK("xxact", 1, 10, RankFilter.NONE)).as("2 edits in 5 chars").isEmpty();
    assertThat(snapshot.typoTopK("rxact", 1, 1, RankFilter.NONE)).extracting(Suggestion::id)
        .containsExactly("r");
  }

  private static FstSnapshot build(List<Suggestion> entries) throws IOException {
    return FstSnapshotBuilder.build(
        new EntryCapture(entries, 1, Watermark.EMPTY), 1, Instant.EPOCH);
  }
}
