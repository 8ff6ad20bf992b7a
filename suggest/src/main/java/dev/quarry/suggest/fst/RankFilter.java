package dev.quarry.suggest.fst;

/**
 * Lets a caller hide snapshot entries from a lookup by rank, e.g. the later streaming delta layer
 * hiding entries it has deleted or re-weighted since the snapshot was built, before merging its own
 * sorted candidates with the snapshot's top k. The lookup stays exact: it widens its search by
 * {@link #maxRejected()} entries.
 */
public interface RankFilter {

  /** Accepts every entry. */
  RankFilter NONE =
      new RankFilter() {
        @Override
        public boolean accept(int rank) {
          return true;
        }

        @Override
        public int maxRejected() {
          return 0;
        }
      };

  /** Returns false to hide the entry at {@code rank} from this lookup. */
  boolean accept(int rank);

  /** An upper bound on the number of distinct ranks {@link #accept} rejects. */
  int maxRejected();
}
