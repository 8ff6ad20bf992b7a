package dev.quarry.suggest;

import java.util.Comparator;
import java.util.Objects;

/**
 * One suggestion entry: a distinct suggestion text (exactly as ingested, not folded), the largest
 * weight among the live documents carrying it, and the id of that document (the smallest id, in
 * Java {@code String} order, among those with that weight).
 */
public record Suggestion(String text, long weight, String id) {

  /** Serving order: weight descending, then text ascending (Java {@code String} order). */
  public static final Comparator<Suggestion> RANKING =
      Comparator.comparingLong(Suggestion::weight).reversed().thenComparing(Suggestion::text);

  public Suggestion {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(id, "id");
  }
}
