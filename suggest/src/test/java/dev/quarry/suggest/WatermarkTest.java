package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The served watermark is the latest one the feed reported: every change below it is visible at
 * once (through the delta), whether or not a snapshot holds it yet.
 */
class WatermarkTest {

  @Test
  void servedWatermarkIsTheLatestReported() {
    try (SuggestIndex index = SuggestIndex.builder("wm").config(SuggestIndexConfig.manual()).build()) {
      assertThat(index.suggest("a", 1).watermark().offsets()).isEmpty();

      index.upsert("a", List.of("alpha"), 1);
      index.setWatermark(Map.of(0, 5L, 1, 3L));
      SuggestResult beforeBuild = index.suggest("a", 1);
      assertThat(beforeBuild.suggestions()).containsExactly(new Suggestion("alpha", 1, "a"));
      assertThat(beforeBuild.watermark().offsets()).containsExactly(Map.entry(0, 5L), Map.entry(1, 3L));
      assertThat(beforeBuild.snapshot()).isZero();

      index.rebuildNow();
      SuggestResult built = index.suggest("a", 1);
      assertThat(built.watermark().offsets()).containsExactly(Map.entry(0, 5L), Map.entry(1, 3L));
      assertThat(built.snapshot()).isEqualTo(1);

      index.setWatermark(0, 7L); // records that changed no entry
      assertThat(index.suggest("a", 1).watermark().offsets())
          .containsExactly(Map.entry(0, 7L), Map.entry(1, 3L));

      index.delete("a");
      index.setWatermark(0, 9L);
      SuggestResult deleted = index.suggest("a", 1);
      assertThat(deleted.suggestions()).isEmpty();
      assertThat(deleted.watermark().offsets()).containsExactly(Map.entry(0, 9L), Map.entry(1, 3L));
      assertThat(index.watermark()).isEqualTo(deleted.watermark());
    }
  }
}
