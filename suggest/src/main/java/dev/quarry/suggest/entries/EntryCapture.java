package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import java.util.List;
import java.util.Objects;

/**
 * A consistent copy of the entry table taken in one critical section: every entry, the table's
 * change generation, and the watermark the feed had reported at that moment. A snapshot built from
 * a capture reflects exactly this state.
 *
 * @param entries one entry per distinct text, in no particular order
 * @param generation the number of content changes applied when the capture was taken
 * @param watermark offsets the feed had applied when the capture was taken
 */
public record EntryCapture(List<Suggestion> entries, long generation, Watermark watermark) {

  public EntryCapture {
    entries = List.copyOf(entries);
    Objects.requireNonNull(watermark, "watermark");
  }
}
