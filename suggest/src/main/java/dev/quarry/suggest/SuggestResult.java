package dev.quarry.suggest;

import java.util.List;
import java.util.Objects;

/**
 * One served answer: the suggestions, best first, the version of the snapshot that produced them,
 * and the watermark that snapshot reflects. All three come from the same snapshot.
 */
public record SuggestResult(List<Suggestion> suggestions, long snapshot, Watermark watermark) {

  public SuggestResult {
    suggestions = List.copyOf(suggestions);
    Objects.requireNonNull(watermark, "watermark");
  }
}
