package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A consistent copy of the entry table taken in one critical section: every entry, what every
 * document contributes, the table's change generation, and the watermark the feed had reported at
 * that moment. A snapshot built from a capture reflects exactly this state.
 *
 * @param entries one entry per distinct text, in no particular order
 * @param docs document id → its contribution (an unmodifiable copy)
 * @param generation the number of content changes applied when the capture was taken
 * @param watermark offsets the feed had applied when the capture was taken
 */
public record EntryCapture(
    List<Suggestion> entries, Map<String, Contribution> docs, long generation, Watermark watermark) {

  public EntryCapture {
    entries = List.copyOf(entries);
    docs = Map.copyOf(docs);
    Objects.requireNonNull(watermark, "watermark");
  }

  /** A capture without document contributions (tests and benchmarks that never persist). */
  public EntryCapture(List<Suggestion> entries, long generation, Watermark watermark) {
    this(entries, Map.of(), generation, watermark);
  }
}
