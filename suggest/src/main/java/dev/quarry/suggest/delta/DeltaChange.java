package dev.quarry.suggest.delta;

import dev.quarry.suggest.Suggestion;
import java.util.Objects;

/**
 * The latest state of one suggestion text that changed since the served snapshot was captured.
 *
 * @param text the text exactly as ingested
 * @param folded its {@linkplain dev.quarry.suggest.text.Folding folded} form
 * @param best the entry the text produces now, or null when no live document carries it any more
 * @param generation the entry-table generation of the change
 * @param atMillis when the text first changed in this delta (carried over to the next delta)
 */
public record DeltaChange(String text, String folded, Suggestion best, long generation, long atMillis) {

  public DeltaChange {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(folded, "folded");
  }

  /** True when the text is gone (deleted, or its last carrier changed its texts). */
  public boolean deleted() {
    return best == null;
  }
}
