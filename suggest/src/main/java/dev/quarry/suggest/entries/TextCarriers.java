package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;
import java.util.Comparator;
import java.util.TreeSet;

/**
 * The live documents carrying one suggestion text, and the entry they produce: the heaviest
 * carrier wins, the smallest id breaks a weight tie. Most texts have exactly one carrier, so that
 * case is held inline; a sorted set is created only for a second one.
 *
 * <p>Thread-safety: not thread-safe; owned by {@link EntryTable} and touched only under its lock.
 * The {@link Suggestion} it hands out is immutable.
 */
final class TextCarriers {

  /** A document carrying the text. */
  private record Carrier(long weight, String id) {}

  /** Best first: weight descending, then id ascending. */
  private static final Comparator<Carrier> BEST_FIRST =
      Comparator.comparingLong(Carrier::weight).reversed().thenComparing(Carrier::id);

  private final String text;
  /** The only carrier when {@link #many} is null. */
  private Carrier sole;
  /** All carriers once there have been two at the same time; null otherwise. */
  private TreeSet<Carrier> many;
  /** The entry for the current best carrier; null when there are no carriers. */
  private Suggestion best;

  TextCarriers(String text) {
    this.text = text;
  }

  void add(String id, long weight) {
    Carrier carrier = new Carrier(weight, id);
    if (many != null) {
      many.add(carrier);
    } else if (sole == null) {
      sole = carrier;
    } else {
      many = new TreeSet<>(BEST_FIRST);
      many.add(sole);
      many.add(carrier);
      sole = null;
    }
    refreshBest();
  }

  /** Removes the carrier {@code (id, weight)}; returns true when no carrier is left. */
  boolean remove(String id, long weight) {
    Carrier carrier = new Carrier(weight, id);
    if (many != null) {
      many.remove(carrier);
      if (many.size() == 1) {
        sole = many.first();
        many = null;
      }
    } else if (carrier.equals(sole)) {
      sole = null;
    }
    refreshBest();
    return best == null;
  }

  /** The entry this text currently produces, or null if nothing carries it. */
  Suggestion best() {
    return best;
  }

  private void refreshBest() {
    Carrier top = many != null ? many.first() : sole;
    if (top == null) {
      best = null;
    } else if (best == null || best.weight() != top.weight() || !best.id().equals(top.id())) {
      best = new Suggestion(text, top.weight(), top.id());
    }
  }
}
