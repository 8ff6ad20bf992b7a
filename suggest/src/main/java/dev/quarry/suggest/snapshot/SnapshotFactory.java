package dev.quarry.suggest.snapshot;

import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.fst.FstSnapshotBuilder;
import java.io.IOException;
import java.time.Instant;

/** Turns a capture of the entry table into a snapshot; replaceable so tests can inject failures. */
@FunctionalInterface
public interface SnapshotFactory {

  /** The production factory: {@link FstSnapshotBuilder#build}. */
  SnapshotFactory FST = FstSnapshotBuilder::build;

  /** Builds the snapshot of {@code capture} that will be published as {@code version}. */
  FstSnapshot build(EntryCapture capture, long version, Instant builtAt) throws IOException;
}
