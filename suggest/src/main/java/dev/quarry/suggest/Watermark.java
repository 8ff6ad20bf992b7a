package dev.quarry.suggest;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The Kafka offsets an answer reflects: per partition, the next offset to consume (every record
 * below it has been applied). Immutable; iteration is in partition order.
 */
public record Watermark(SortedMap<Integer, Long> offsets) {

  public static final Watermark EMPTY = new Watermark(new TreeMap<>());

  public Watermark {
    offsets = Collections.unmodifiableSortedMap(new TreeMap<>(offsets));
  }

  /** Returns this watermark with {@code updates} applied (each partition's value replaced). */
  public Watermark with(Map<Integer, Long> updates) {
    TreeMap<Integer, Long> merged = new TreeMap<>(offsets);
    merged.putAll(updates);
    return new Watermark(merged);
  }
}
