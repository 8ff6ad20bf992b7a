package dev.quarry.suggest.entries;

import dev.quarry.suggest.Suggestion;

/**
 * Told about every entry change of an {@link EntryTable}, under the table's lock, in order: one
 * {@link #changed} per text whose entry changed, then one {@link #committed} per table operation.
 * Implementations must be quick and must not call back into the table.
 */
public interface EntryListener {

  /** A listener that ignores everything. */
  EntryListener NONE =
      new EntryListener() {
        @Override
        public void changed(String text, Suggestion best, long generation) {}

        @Override
        public void committed(long generation) {}
      };

  /** {@code text} now produces {@code best} (null: nothing carries it any more). */
  void changed(String text, Suggestion best, long generation);

  /** The operation that made generation {@code generation} is complete. */
  void committed(long generation);
}
