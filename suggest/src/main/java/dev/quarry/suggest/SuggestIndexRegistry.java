package dev.quarry.suggest;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link SuggestIndexes} backed by a map: the process registers an index when it starts
 * following its topic and removes it when the index is deleted.
 *
 * <p>Thread-safety: all state is in one {@link ConcurrentHashMap}; every method may be called from
 * any thread. Removing an index does not close it; the caller does.
 */
public final class SuggestIndexRegistry implements SuggestIndexes {

  private final ConcurrentMap<String, SuggestIndex> indexes = new ConcurrentHashMap<>();

  /**
   * Registers {@code index} under its name.
   *
   * @throws IllegalStateException if another index already has that name
   */
  public void register(SuggestIndex index) {
    Objects.requireNonNull(index, "index");
    SuggestIndex previous = indexes.putIfAbsent(index.name(), index);
    if (previous != null && previous != index) {
      throw new IllegalStateException("suggest index '" + index.name() + "' is already registered");
    }
  }

  /** Removes and returns the index called {@code name}, if any. */
  public Optional<SuggestIndex> remove(String name) {
    return Optional.ofNullable(indexes.remove(name));
  }

  @Override
  public Optional<SuggestIndex> find(String name) {
    return name == null ? Optional.empty() : Optional.ofNullable(indexes.get(name));
  }

  /** Returns the registered names (a snapshot). */
  public Set<String> names() {
    return Set.copyOf(indexes.keySet());
  }
}
