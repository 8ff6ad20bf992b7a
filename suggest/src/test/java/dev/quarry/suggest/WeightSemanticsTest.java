package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Entry weight = max over live carriers, smallest id on a tie; visible at once (delta). */
class WeightSemanticsTest {

  private final SuggestIndex index =
      SuggestIndex.builder("weights").config(SuggestIndexConfig.manual()).build();

  @AfterEach
  void close() {
    index.close();
  }

  @Test
  void deletingTheHeaviestDocumentLowersTheWeightAndTheLastDeleteRemovesTheEntry() {
    index.upsert("light", List.of("React"), 10);
    index.upsert("heavy", List.of("React"), 20);
    index.rebuildNow();
    assertThat(index.lookup("rea", 10)).containsExactly(new Suggestion("React", 20, "heavy"));

    index.delete("heavy");
    index.rebuildNow();
    assertThat(index.lookup("rea", 10)).containsExactly(new Suggestion("React", 10, "light"));

    index.delete("light");
    index.rebuildNow();
    assertThat(index.lookup("rea", 10)).isEmpty();
    assertThat(index.snapshot().size()).isZero();
  }

  @Test
  void aWeightTieGoesToTheSmallestId() {
    index.upsert("m", List.of("lodash"), 5);
    index.upsert("z", List.of("lodash"), 5);
    index.upsert("b", List.of("lodash"), 4);
    index.rebuildNow();
    assertThat(index.lookup("lod", 10)).containsExactly(new Suggestion("lodash", 5, "m"));

    index.delete("m");
    index.rebuildNow();
    assertThat(index.lookup("lod", 10)).containsExactly(new Suggestion("lodash", 5, "z"));
  }

  @Test
  void anUpsertReplacesWhatTheDocumentContributedBefore() {
    index.upsert("a", List.of("alpha", "beta"), 7);
    index.upsert("b", List.of("alpha"), 3);
    index.rebuildNow();
    index.upsert("a", List.of("beta"), 1); // drops "alpha", lowers its weight
    index.rebuildNow();
    assertThat(index.lookup("alp", 10)).containsExactly(new Suggestion("alpha", 3, "b"));
    assertThat(index.lookup("bet", 10)).containsExactly(new Suggestion("beta", 1, "a"));
  }

  @Test
  void textsDifferingOnlyInCaseAreTwoEntriesRankedByWeightThenText() {
    index.upsert("1", List.of("react"), 5);
    index.upsert("2", List.of("React"), 5);
    index.upsert("3", List.of("REACT native"), 9);
    index.rebuildNow();
    assertThat(index.lookup("react", 10))
        .extracting(Suggestion::text)
        .containsExactly("REACT native", "React", "react");
  }

  @Test
  void changesAreVisibleAtOnceAndFoldedIntoTheNextSnapshot() {
    index.upsert("a", List.of("vue"), 1);
    assertThat(index.lookup("vue", 10)).containsExactly(new Suggestion("vue", 1, "a"));
    assertThat(index.snapshotVersion()).isZero();
    assertThat(index.deltaSize()).isEqualTo(1);

    long version = index.rebuildNow();

    assertThat(version).isEqualTo(1);
    assertThat(index.deltaSize()).isZero();
    assertThat(index.lookup("vue", 10)).hasSize(1);
    assertThat(index.rebuildNow()).as("nothing changed: no new snapshot").isEqualTo(1);
    index.upsert("a", List.of("vue"), 1); // the same again: not a change
    assertThat(index.rebuildNow()).isEqualTo(1);
  }

  @Test
  void wordStartsAndMultiWordQueriesMatch() {
    index.upsert("1", List.of("react-dom"), 3);
    index.upsert("2", List.of("@types/node"), 2);
    index.upsert("3", List.of("react dom xyz"), 1);
    index.upsert("4", List.of("Émile Zola"), 1);
    index.rebuildNow();
    assertThat(index.lookup("dom", 10)).extracting(Suggestion::text)
        .containsExactly("react-dom", "react dom xyz");
    assertThat(index.lookup("react d", 10)).as("react-dom is one substitution away: after the exact match")
        .extracting(Suggestion::text).containsExactly("react dom xyz", "react-dom");
    assertThat(index.lookup("dom x", 10)).extracting(Suggestion::text).containsExactly("react dom xyz");
    assertThat(index.lookup("node", 10)).extracting(Suggestion::text).containsExactly("@types/node");
    assertThat(index.lookup("@TYPES", 10)).extracting(Suggestion::text).containsExactly("@types/node");
    assertThat(index.lookup("ypes", 10)).as("one edit from \"types\": the first char deleted")
        .extracting(Suggestion::text).containsExactly("@types/node");
    assertThat(index.lookup("xeact", 10)).as("the first char substituted").extracting(Suggestion::text)
        .containsExactly("react-dom", "react dom xyz");
    assertThat(index.lookup("yola", 10)).as("the first char of a later word substituted")
        .extracting(Suggestion::text).containsExactly("Émile Zola");
    assertThat(index.lookup("ereact", 10)).as("a char inserted before the first")
        .extracting(Suggestion::text).containsExactly("react-dom", "react dom xyz");
    assertThat(index.lookup("xemile", 10)).as("a char inserted before the first")
        .extracting(Suggestion::text).containsExactly("Émile Zola");
    assertThat(index.lookup("xmile zoxa", 10)).as("2 edits from 8 chars, the first char one of them")
        .extracting(Suggestion::text).containsExactly("Émile Zola");
    assertThat(index.lookup("xmile zxxa", 10)).as("3 edits: too many").isEmpty();
    assertThat(index.lookup("tpyes", 10)).as("2 substitutions: too many for 5 chars").isEmpty();
    assertThat(index.lookup("typs", 10)).as("one insert").extracting(Suggestion::text).containsExactly("@types/node");
    assertThat(index.lookup("ype", 10)).as("3 chars: no typo tolerance").isEmpty();
    assertThat(index.lookup("EMILE z", 10)).extracting(Suggestion::text).containsExactly("Émile Zola");
    assertThat(index.lookup("zo", 10)).extracting(Suggestion::text).containsExactly("Émile Zola");
  }
}
