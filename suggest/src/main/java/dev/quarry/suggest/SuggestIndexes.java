package dev.quarry.suggest;

import java.util.Optional;

/** Finds the suggest index serving a name; what the HTTP server asks per request. */
@FunctionalInterface
public interface SuggestIndexes {

  /** Returns the index called {@code name}, or empty when there is none. */
  Optional<SuggestIndex> find(String name);
}
