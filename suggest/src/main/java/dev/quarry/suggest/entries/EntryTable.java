package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The live entry set: what each document contributes, and for every distinct suggestion text the
 * entry it produces (max weight over live carriers, smallest id on a tie). Snapshots are built from
 * {@link #capture()}s of this table; lookups never read it.
 *
 * <p>Texts are kept exactly as given (two texts differing only in case are two entries); a
 * document's duplicate texts count once; null and empty texts are ignored (an empty text can match
 * no query, since an empty query is rejected).
 *
 * <p>Thread-safety: every field except {@link #stamp} and {@link #size} is guarded by {@code this}
 * (all methods are {@code synchronized}); writers are normally the single feed thread, and the
 * snapshot builder holds the lock only while copying entries in {@link #capture()}. {@link #stamp}
 * and {@link #size} are volatile copies, written under the lock, for lock-free readers.
 */
public final class EntryTable {

  /** What one document contributes: its distinct texts and its weight. */
  private record DocRecord(String[] texts, long weight) {}

  // @GuardedBy("this")
  private final Map<String, DocRecord> docs = new HashMap<>();
  // @GuardedBy("this")
  private final Map<String, TextCarriers> byText = new HashMap<>();
  // @GuardedBy("this")
  private long generation;
  // @GuardedBy("this")
  private Watermark watermark = Watermark.EMPTY;

  private volatile WatermarkStamp stamp = new WatermarkStamp(0, Watermark.EMPTY);
  private volatile int size;

  /**
   * Replaces what {@code docId} contributes with {@code texts} at {@code weight}. A call that
   * changes nothing (same distinct texts, same weight) does not count as a change.
   */
  public synchronized void upsert(String docId, List<String> texts, long weight) {
    Objects.requireNonNull(docId, "docId");
    String[] distinct = distinctTexts(texts);
    DocRecord old = docs.get(docId);
    if (old != null && old.weight() == weight && sameTexts(old.texts(), distinct)) {
      return;
    }
    if (old != null) {
      removeContributions(docId, old);
    }
    if (distinct.length == 0) {
      docs.remove(docId);
    } else {
      docs.put(docId, new DocRecord(distinct, weight));
      for (String text : distinct) {
        byText.computeIfAbsent(text, TextCarriers::new).add(docId, weight);
      }
    }
    changed();
  }

  /** Removes everything {@code docId} contributes; a no-op for an unknown id. */
  public synchronized void delete(String docId) {
    DocRecord old = docs.remove(Objects.requireNonNull(docId, "docId"));
    if (old != null) {
      removeContributions(docId, old);
      changed();
    }
  }

  /**
   * Records that the feed has applied every record below these offsets (partition → next offset;
   * partitions not mentioned keep their value). Call it after applying the records it covers.
   */
  public synchronized void setWatermark(Map<Integer, Long> nextOffsets) {
    watermark = watermark.with(nextOffsets);
    stamp = new WatermarkStamp(generation, watermark);
  }

  /** Copies the entry set, generation and watermark in one critical section. */
  public synchronized EntryCapture capture() {
    List<Suggestion> entries = new ArrayList<>(byText.size());
    for (TextCarriers carriers : byText.values()) {
      entries.add(carriers.best());
    }
    return new EntryCapture(entries, generation, watermark);
  }

  /** The number of content changes applied so far. */
  public synchronized long generation() {
    return generation;
  }

  /** The latest watermark with its generation; lock-free. */
  public WatermarkStamp watermarkStamp() {
    return stamp;
  }

  /** The number of live entries (distinct texts); lock-free. */
  public int size() {
    return size;
  }

  // @GuardedBy("this")
  private void removeContributions(String docId, DocRecord old) {
    for (String text : old.texts()) {
      TextCarriers carriers = byText.get(text);
      if (carriers != null && carriers.remove(docId, old.weight())) {
        byText.remove(text);
      }
    }
  }

  // @GuardedBy("this")
  private void changed() {
    generation++;
    size = byText.size();
  }

  private static String[] distinctTexts(List<String> texts) {
    if (texts == null || texts.isEmpty()) {
      return new String[0];
    }
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String text : texts) {
      if (text != null && !text.isEmpty()) {
        distinct.add(text);
      }
    }
    return distinct.toArray(new String[0]);
  }

  private static boolean sameTexts(String[] a, String[] b) {
    if (a.length != b.length) {
      return false;
    }
    if (Arrays.equals(a, b)) {
      return true;
    }
    return new HashSet<>(Arrays.asList(a)).equals(new HashSet<>(Arrays.asList(b)));
  }
}
