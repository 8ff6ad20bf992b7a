package dev.quarry.shard.index;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherLifetimeManager;
import org.apache.lucene.search.SearcherManager;

/**
 * The searchers a replica still answers from, by version: the newest one plus those replaced less
 * than {@code retainMs} ago or leased by a cursor. A coordinator pins a version so that the two
 * phases of a GLOBAL query, or the pages of a cursor, read exactly one point-in-time view.
 * Built on Lucene's {@link SearcherLifetimeManager}; each recorded searcher also carries the
 * checkpoint (offsets) it reflects.
 * Thread-safety: {@link #recordCurrent} and {@link #record} are called by the refreshing thread only; everything
 * else is safe from any thread (concurrent maps, and the lifetime manager is thread-safe).
 */
public final class PinnedSearchers implements Closeable {
    /** One acquired searcher; give it back with {@link #release}. */
    public record Pinned(IndexSearcher searcher, long version, Checkpoint checkpoint) {}

    private final SearcherManager searchers;
    private final SearcherLifetimeManager lifetimes = new SearcherLifetimeManager();
    private final Map<Long, Checkpoint> checkpoints = new ConcurrentHashMap<>();
    private final Map<Long, Long> leasedUntilMs = new ConcurrentHashMap<>();
    /** When each held version stopped being the newest (by {@link #clock}). */
    private final Map<Long, Long> replacedAtMs = new ConcurrentHashMap<>();
    private final long retainMs;
    private final Clock clock;
    private volatile long newest = -1;
    /**
     * Distinguishes this replica opening from earlier ones: Lucene's reader versions restart from the
     * last commit after a restart, so the versions handed out are {@code epoch << 40 | readerVersion}
     * and a version from before a restart is never mistaken for a searcher of today.
     */
    private final long epoch = 1 + java.util.concurrent.ThreadLocalRandom.current().nextLong((1L << 23) - 1);
    private static final long READER_VERSION_MASK = (1L << 40) - 1;

    public PinnedSearchers(SearcherManager searchers, long retainMs, Clock clock) {
        this.searchers = searchers;
        this.retainMs = retainMs;
        this.clock = clock;
    }

    /** Records the manager's current searcher as reflecting {@code checkpoint}; prunes old ones. */
    public void recordCurrent(Checkpoint checkpoint) throws IOException {
        record(checkpoint);
        prune();
    }

    /**
     * Records the manager's current searcher as reflecting {@code checkpoint}, without pruning: a
     * replica prunes after it has published the checkpoint, since closing a replaced searcher's
     * segments (memory-mapped files; each close a handshake with every JVM thread) took up to 1.1 s on
     * a busy machine, and before the publication it was freshness lag.
     */
    public void record(Checkpoint checkpoint) throws IOException {
        IndexSearcher s = searchers.acquire();
        try {
            long v = lifetimes.record(s);
            checkpoints.put(v, checkpoint);
            long previous = newest;
            if (previous >= 0 && previous != v) {
                replacedAtMs.put(previous, clock.millis());
            }
            newest = v;
        } finally {
            searchers.release(s);
        }
    }

    /**
     * The searcher of {@code version}, or the newest when {@code version} is 0; null when that
     * version is no longer held.
     */
    public Pinned acquire(long version) {
        if (version != 0 && version >>> 40 != epoch) {
            return null;
        }
        long v = version == 0 ? newest : version & READER_VERSION_MASK;
        IndexSearcher s = v < 0 ? null : lifetimes.acquire(v);
        if (s == null) {
            return null;
        }
        return new Pinned(s, epoch << 40 | v, checkpoints.getOrDefault(v, Checkpoint.EMPTY));
    }

    /** True when {@code version} (as handed out) is the newest searcher. */
    public boolean isNewest(long version) {
        return version >>> 40 == epoch && (version & READER_VERSION_MASK) == newest;
    }

    public void release(Pinned p) throws IOException {
        lifetimes.release(p.searcher());
    }

    /** Keeps {@code version} for at least {@code ms} from now (a cursor's keep-alive). */
    public void lease(long version, long ms) {
        if (ms > 0 && version >>> 40 == epoch) {
            leasedUntilMs.merge(version & READER_VERSION_MASK, clock.millis() + ms, Math::max);
        }
    }

    /** Versions currently held (for tests and status). */
    public int held() {
        return checkpoints.size();
    }

    /** Drops searchers replaced more than {@code retainMs} ago unless a lease still holds them. */
    public void prune() throws IOException {
        long now = clock.millis();
        leasedUntilMs.values().removeIf(until -> until < now);
        lifetimes.prune((ageSec, searcher) -> {
            long v = ((DirectoryReader) searcher.getIndexReader()).getVersion();
            Long replaced = replacedAtMs.get(v);
            if (v == newest || leasedUntilMs.containsKey(v) || replaced == null || now - replaced < retainMs) {
                return false;
            }
            checkpoints.remove(v);
            replacedAtMs.remove(v);
            return true;
        });
    }

    @Override
    public void close() throws IOException {
        lifetimes.close();
        checkpoints.clear();
    }
}
