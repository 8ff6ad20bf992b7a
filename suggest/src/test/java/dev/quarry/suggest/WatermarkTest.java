package dev.quarry.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The served watermark always describes the served snapshot's content. */
class WatermarkTest {

  @Test
  void servedWatermarkFollowsTheSnapshotContent() {
    try (SuggestIndex index = SuggestIndex.builder("wm").config(SuggestIndexConfig.manual()).build()) {
      assertThat(index.suggest("a", 1).watermark().offsets()).isEmpty();

      index.upsert("a", List.of("alpha"), 1);
      index.setWatermark(Map.of(0, 5L, 1, 3L));
      assertThat(index.suggest("a", 1).watermark().offsets())
          .as("content changed but not yet in a snapshot: the old watermark")
          .isEmpty();

      index.rebuildNow();
      SuggestResult built = index.suggest("a", 1);
      assertThat(built.watermark().offsets()).containsExactly(Map.entry(0, 5L), Map.entry(1, 3L));
      assertThat(built.snapshot()).isEqualTo(1);

      index.setWatermark(0, 7L); // records that changed no entry
      assertThat(index.suggest("a", 1).watermark().offsets())
          .as("no content change: the served snapshot already reflects offset 7")
          .containsExactly(Map.entry(0, 7L), Map.entry(1, 3L));

      index.upsert("b", List.of("beta"), 1);
      index.setWatermark(0, 9L);
      assertThat(index.suggest("a", 1).watermark().offsets())
          .as("offset 9 covers a change the snapshot lacks; the best it can claim stays 7")
          .containsExactly(Map.entry(0, 7L), Map.entry(1, 3L));

      index.rebuildNow();
      assertThat(index.suggest("a", 1).watermark().offsets())
          .containsExactly(Map.entry(0, 9L), Map.entry(1, 3L));
    }
  }
}
