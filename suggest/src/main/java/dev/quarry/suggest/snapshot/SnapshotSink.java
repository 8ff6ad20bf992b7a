package dev.quarry.suggest.snapshot;

import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.fst.FstSnapshot;

/** Told about every published snapshot with the capture it was built from (persistence). */
@FunctionalInterface
public interface SnapshotSink {

  /** Keeps nothing. */
  SnapshotSink NONE = (snapshot, capture) -> {};

  /** Called on the build thread after {@code snapshot} was published; may be slow, may throw. */
  void published(FstSnapshot snapshot, EntryCapture capture) throws Exception;
}
