package dev.quarry.suggest.delta;

import dev.quarry.suggest.text.Folding;
import dev.quarry.suggest.text.WordStarts;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The streaming layer over one snapshot: every text whose entry changed (added, re-weighted,
 * re-attributed or deleted) since that snapshot's capture, with its latest state. Lookups merge it
 * with the snapshot's top k: snapshot entries whose text is here are hidden, the live states here
 * compete with the rest.
 *
 * <p>Two views of the same changes: {@link #byText} (text → change) and {@link #bySuffix}, sorted by
 * (folded suffix at a match start, text), so the changes matching a folded prefix are one range
 * scan: the keys from {@code (prefix, "")} while the suffix starts with the prefix.
 *
 * <p>Thread-safety: one writer at a time (the entry table calls {@link #record} and {@link #commit}
 * under its lock), any number of lock-free readers. Both maps are concurrent; a reader racing a
 * write sees each text either before or after it. {@link #version} is volatile and bumped after the
 * changes of one table operation, so caches keyed by it never serve an answer older than a
 * committed change. A delta stops receiving writes once the publisher replaced it, which happens
 * under the table's lock together with the snapshot swap.
 */
public final class Delta {

  /** A match start of a changed text: sorted by folded suffix, then text. */
  record SuffixKey(String suffix, String text) implements Comparable<SuffixKey> {
    @Override
    public int compareTo(SuffixKey o) {
      int c = suffix.compareTo(o.suffix);
      return c != 0 ? c : text.compareTo(o.text);
    }
  }

  private final ConcurrentHashMap<String, DeltaChange> byText = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<SuffixKey, DeltaChange> bySuffix = new ConcurrentSkipListMap<>();
  private volatile long version;
  /** The last typo view built, possibly of an older version; replaced lazily by {@link #suffixView}. */
  private volatile SuffixView view;
  private volatile long oldestMillis = Long.MAX_VALUE;

  /** An empty delta. */
  public Delta() {}

  /**
   * Records the latest state of {@code text}: {@code best} (null = gone) at {@code generation}.
   * Writer only.
   */
  public void record(String text, dev.quarry.suggest.Suggestion best, long generation, long nowMillis) {
    DeltaChange old = byText.get(text);
    String folded = old != null ? old.folded() : Folding.fold(text);
    long at = old != null ? old.atMillis() : nowMillis;
    put(new DeltaChange(text, folded, best, generation, at));
  }

  private void put(DeltaChange change) {
    byText.put(change.text(), change);
    for (int start : WordStarts.of(change.folded())) {
      bySuffix.put(new SuffixKey(change.folded().substring(start), change.text()), change);
    }
    if (change.atMillis() < oldestMillis) {
      oldestMillis = change.atMillis();
    }
  }

  /** Marks the end of one table operation's changes. Writer only. */
  public void commit() {
    version++;
  }

  /** Bumped once per committed table operation that changed a text. */
  public long version() {
    return version;
  }

  /** The number of changed texts. */
  public int size() {
    return byText.size();
  }

  /** When the oldest change still held here was made (epoch ms); {@link Long#MAX_VALUE} if none. */
  public long oldestMillis() {
    return oldestMillis;
  }

  /** The change of {@code text}, or null if it did not change. */
  public DeltaChange get(String text) {
    return byText.get(text);
  }

  /** Every change (a live view). */
  public Collection<DeltaChange> changes() {
    return byText.values();
  }

  /**
   * The changes whose folded text, at position 0 or at a word start, starts with {@code
   * foldedPrefix}, one per text (insertion order: by suffix).
   */
  public Map<String, DeltaChange> matching(String foldedPrefix) {
    Map<String, DeltaChange> out = new LinkedHashMap<>();
    NavigableMap<SuffixKey, DeltaChange> tail = bySuffix.tailMap(new SuffixKey(foldedPrefix, ""), true);
    for (Map.Entry<SuffixKey, DeltaChange> e : tail.entrySet()) {
      if (!e.getKey().suffix().startsWith(foldedPrefix)) {
        break;
      }
      DeltaChange latest = byText.get(e.getKey().text()); // the map entry may be a moment older
      out.putIfAbsent(e.getKey().text(), latest != null ? latest : e.getValue());
    }
    return out;
  }

  /**
   * Every match start as an array-backed {@link SuffixView} for the typo search, as of the current
   * {@link #version}: built on the first call after a change (O(match starts)), then shared. Racing
   * callers may both build one; either is fine. Read before a change commits, a view may lack it
   * or hold part of it, like any reader racing a write; the next version replaces it.
   */
  public SuffixView suffixView() {
    long current = version; // read first: the keys iterated next include every change up to it
    SuffixView v = view;
    if (v == null || v.version() != current) {
      v = SuffixView.of(current, bySuffix.keySet());
      view = v;
    }
    return v;
  }

  /**
   * The delta to serve with a snapshot captured at {@code generation}: the changes made after it.
   * Call under the table's lock, so no change is recorded meanwhile.
   */
  public Delta retainNewerThan(long generation) {
    Delta next = new Delta();
    for (DeltaChange c : byText.values()) {
      if (c.generation() > generation) {
        next.put(c);
      }
    }
    next.version = version + 1;
    return next;
  }
}
