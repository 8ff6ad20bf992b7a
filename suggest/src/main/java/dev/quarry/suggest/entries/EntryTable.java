package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The live entry set: what each document contributes, and for every distinct suggestion text the
 * entry it produces (max weight over live carriers, smallest id on a tie). Snapshots are built from
 * {@link #capture()}s of this table; every entry change is also reported, under the lock, to the
 * {@link EntryListener} (the streaming delta), which is how lookups see it before the next snapshot.
 *
 * <p>Texts are kept exactly as given (two texts differing only in case are two entries); a
 * document's duplicate texts count once; null and empty texts are ignored (an empty text can match
 * no query, since an empty query is rejected).
 *
 * <p>Thread-safety: every field except {@link #stamp} and {@link #size} is guarded by {@code this}
 * (all methods are {@code synchronized}); writers are normally the single feed thread, and the
 * snapshot builder holds the lock only while copying in {@link #capture()} and while swapping
 * snapshots ({@link #locked}). {@link #stamp} and {@link #size} are volatile copies, written under
 * the lock, for lock-free readers. The listener is called under the lock.
 */
public final class EntryTable {

  // @GuardedBy("this")
  private final Map<String, Contribution> docs = new HashMap<>();
  // @GuardedBy("this")
  private final Map<String, TextCarriers> byText = new HashMap<>();
  // @GuardedBy("this")
  private long generation;
  // @GuardedBy("this")
  private Watermark watermark = Watermark.EMPTY;
  // @GuardedBy("this")
  private EntryListener listener = EntryListener.NONE;

  private volatile WatermarkStamp stamp = new WatermarkStamp(0, Watermark.EMPTY);
  private volatile int size;

  /** Sets who hears about entry changes (at most one listener). */
  public synchronized void listener(EntryListener newListener) {
    this.listener = Objects.requireNonNull(newListener, "listener");
  }

  /**
   * Replaces what {@code docId} contributes with {@code texts} at {@code weight}. A call that
   * changes nothing (same distinct texts, same weight) does not count as a change.
   */
  public synchronized void upsert(String docId, List<String> texts, long weight) {
    Objects.requireNonNull(docId, "docId");
    List<String> distinct = distinctTexts(texts);
    Contribution old = docs.get(docId);
    if (old != null && old.weight() == weight && new HashSet<>(old.texts()).equals(new HashSet<>(distinct))) {
      return;
    }
    Map<String, Suggestion> before = new LinkedHashMap<>();
    if (old != null) {
      remember(old.texts(), before);
      removeContributions(docId, old);
    }
    remember(distinct, before);
    if (distinct.isEmpty()) {
      docs.remove(docId);
    } else {
      Contribution c = new Contribution(distinct, weight);
      docs.put(docId, c);
      for (String text : distinct) {
        byText.computeIfAbsent(text, TextCarriers::new).add(docId, weight);
      }
    }
    changed(before);
  }

  /** Removes everything {@code docId} contributes; a no-op for an unknown id. */
  public synchronized void delete(String docId) {
    Contribution old = docs.remove(Objects.requireNonNull(docId, "docId"));
    if (old != null) {
      Map<String, Suggestion> before = new LinkedHashMap<>();
      remember(old.texts(), before);
      removeContributions(docId, old);
      changed(before);
    }
  }

  /**
   * Loads the documents of a persisted snapshot into an empty table, at {@code atGeneration} and
   * {@code atWatermark}, without telling the listener (the snapshot already holds these entries).
   */
  public synchronized void restore(Map<String, Contribution> restored, long atGeneration, Watermark atWatermark) {
    if (!docs.isEmpty() || generation != 0) {
      throw new IllegalStateException("restore needs an empty, unused table");
    }
    restored.forEach(
        (id, c) -> {
          docs.put(id, c);
          for (String text : c.texts()) {
            byText.computeIfAbsent(text, TextCarriers::new).add(id, c.weight());
          }
        });
    generation = atGeneration;
    watermark = atWatermark;
    size = byText.size();
    stamp = new WatermarkStamp(generation, watermark);
  }

  /**
   * Records that the feed has applied every record below these offsets (partition → next offset;
   * partitions not mentioned keep their value). Call it after applying the records it covers.
   */
  public synchronized void setWatermark(Map<Integer, Long> nextOffsets) {
    watermark = watermark.with(nextOffsets);
    stamp = new WatermarkStamp(generation, watermark);
  }

  /** Copies the entry set, the contributions, generation and watermark in one critical section. */
  public synchronized EntryCapture capture() {
    List<Suggestion> entries = new ArrayList<>(byText.size());
    for (TextCarriers carriers : byText.values()) {
      entries.add(carriers.best());
    }
    return new EntryCapture(entries, docs, generation, watermark);
  }

  /** Runs {@code action} holding the table's lock: no change happens meanwhile. */
  public synchronized <T> T locked(Supplier<T> action) {
    return action.get();
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

  /** The number of documents contributing texts. */
  public synchronized int documentCount() {
    return docs.size();
  }

  // @GuardedBy("this")
  private void remember(List<String> texts, Map<String, Suggestion> before) {
    for (String text : texts) {
      if (!before.containsKey(text)) {
        TextCarriers carriers = byText.get(text);
        before.put(text, carriers == null ? null : carriers.best());
      }
    }
  }

  // @GuardedBy("this")
  private void removeContributions(String docId, Contribution old) {
    for (String text : old.texts()) {
      TextCarriers carriers = byText.get(text);
      if (carriers != null && carriers.remove(docId, old.weight())) {
        byText.remove(text);
      }
    }
  }

  // @GuardedBy("this")
  private void changed(Map<String, Suggestion> before) {
    generation++;
    size = byText.size();
    for (Map.Entry<String, Suggestion> e : before.entrySet()) {
      TextCarriers carriers = byText.get(e.getKey());
      Suggestion after = carriers == null ? null : carriers.best();
      if (!Objects.equals(after, e.getValue())) {
        listener.changed(e.getKey(), after, generation);
      }
    }
    listener.committed(generation);
  }

  private static List<String> distinctTexts(List<String> texts) {
    if (texts == null || texts.isEmpty()) {
      return List.of();
    }
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String text : texts) {
      if (text != null && !text.isEmpty()) {
        distinct.add(text);
      }
    }
    return List.copyOf(distinct);
  }
}
