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

  private static FstSnapshot build(List<Suggestion> entries) throws IOException {
    return FstSnapshotBuilder.build(
        new EntryCapture(entries, 1, Watermark.EMPTY), 1, Instant.EPOCH);
  }
}
