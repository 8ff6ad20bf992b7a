package dev.quarry.shard.index;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.lucene.store.AlreadyClosedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a shard's refreshes on a thread of their own, so the apply thread never waits for one (a
 * refresh took 0.2–1.5 s on a busy 2-core machine, and every record arriving meanwhile used to
 * queue behind it). A refresh starts when writes are pending and it is due, or at once when
 * {@link #request}ed (a read-your-writes wait, the idle merge); otherwise never before its grid
 * point, so it can tell how long the newest searcher stays the newest ({@link #quietForMs}). A
 * failed refresh is retried after a back-off that doubles from the interval up to {@link #MAX_BACKOFF_MS}.
 *
 * <p>When a refresh is due ({@link #dueAfterMs}): at the shard's next <em>grid point</em> after the
 * last refresh started (wall-clock times at {@code phaseMs} plus multiples of the interval), so never
 * later than one interval after it (start to start, so a slow refresh does not stretch the interval);
 * after a refresh off the grid (a requested one) the next comes sooner, back on the grid. In steady
 * state a shard refreshes exactly on its grid:
 * <ul>
 *   <li>the replicas of a shard, on whatever node, refresh at the same moments, so a write is
 *       searchable on all of them one reopen after the same grid point (with phases drifting apart
 *       it waited for the later of two independent schedules);</li>
 *   <li>the shards on one node do not all reopen at once ({@link #phaseMs} spreads an index's shards
 *       over the interval; replicas created together used to keep refreshing at the same instant).
 *       On the 2-core ingest benchmark this made no measurable difference: a reopen there waits
 *       0.1–0.2 s for a core for 30 ms of CPU mostly because of the apply threads.</li>
 * </ul>
 *
 * <p>Thread-safety: {@link #changed}, {@link #request} and {@link #close} may be called from any
 * thread other than the refresh thread (volatile/atomic flags, then an unpark, which a parked or
 * about-to-park refresh thread cannot miss: the permit is kept); the schedule ({@code lastStartNanos}, {@code dueAfterNanos},
 * {@code backoffNanos}) is confined to the refresh thread, which publishes the next due time and
 * whether it is refreshing through volatile fields for {@link #quietForMs}.
 */
final class Refresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Refresher.class);
    static final long MAX_BACKOFF_MS = 30_000;

    /** One refresh; may throw. */
    @FunctionalInterface
    interface Task {
        void run() throws IOException;
    }

    private final String name;
    private final long intervalMs;
    private final long phaseMs;
    private final Task task;
    private final Thread thread;
    private final AtomicBoolean changed = new AtomicBoolean();
    private volatile boolean requested;
    private volatile boolean running = true;
    /** When the next refresh may start (System.nanoTime), and whether one is running: read by {@link #quietForMs}. */
    private volatile long nextDueNanos;
    private volatile boolean refreshing;
    /** Refresh thread: when the last refresh started, when the next is due after it, and how long to wait after a failure. */
    private long lastStartNanos;
    private long dueAfterNanos;
    private long backoffNanos;

    /** Refreshes every {@code intervalMs} on the grid at {@code phaseMs} ({@link #phaseMs}; 0 to 1 interval). */
    Refresher(String name, long intervalMs, long phaseMs, Task task) {
        if (intervalMs < 1 || phaseMs < 0 || phaseMs >= intervalMs) {
            throw new IllegalArgumentException("refresh interval " + intervalMs + " ms, phase " + phaseMs + " ms");
        }
        this.name = name;
        this.intervalMs = intervalMs;
        this.phaseMs = phaseMs;
        this.task = task;
        this.thread = new Thread(this::run, "refresh-" + name);
        this.thread.setDaemon(true);
    }

    /**
     * The phase of shard {@code shard} of {@code shards} of {@code index}: the index's shards spread
     * evenly over the interval, the whole index shifted by a hash of its name (so that shard 0 of
     * every index does not refresh at the same instant). The same on every node.
     */
    static long phaseMs(String index, int shard, int shards, long intervalMs) {
        long indexOffset = Math.floorMod(index.hashCode(), intervalMs);
        return Math.floorMod(indexOffset + shard * intervalMs / Math.max(1, shards), intervalMs);
    }

    /**
     * How long after a refresh that started at wall-clock {@code startMs} the next is due: at the
     * next grid point, 1 ms to one interval later (a refresh starts on or just after its grid point).
     */
    static long dueAfterMs(long startMs, long intervalMs, long phaseMs) {
        return intervalMs - Math.floorMod(startMs - phaseMs, intervalMs);
    }

    /** {@link #dueAfterMs} for a refresh starting now, in nanoseconds. */
    private long dueAfterNow() {
        return TimeUnit.MILLISECONDS.toNanos(dueAfterMs(System.currentTimeMillis(), intervalMs, phaseMs));
    }

    void start() {
        lastStartNanos = System.nanoTime(); // before start(): visible to the thread
        dueAfterNanos = dueAfterNow();
        nextDueNanos = lastStartNanos + dueAfterNanos;
        thread.start();
    }

    /**
     * How long, at least, no refresh will start unless one is requested: 0 while one runs or is
     * requested, else until the next grid point (no sooner after a failure either). A searcher that
     * is the newest now stays the newest that long; the coordinator reuses statistics read from it
     * until then instead of guessing (a guess that a refresh has outdated costs it the search again).
     */
    long quietForMs() {
        if (refreshing || requested) {
            return 0;
        }
        long untilDue = nextDueNanos - System.nanoTime();
        if (untilDue > 0) {
            return TimeUnit.NANOSECONDS.toMillis(untilDue);
        }
        // Due: pending writes are refreshed at once; with none, the first to come waits for the next grid point (realignAfterIdle).
        return changed.get() ? 0 : dueAfterMs(System.currentTimeMillis(), intervalMs, phaseMs) - 1;
    }

    /**
     * After a wait with nothing pending, a refresh that fell due meanwhile waits for the next grid
     * point instead of starting as the first write arrives: refreshes stay on the grid (the replicas
     * of a shard refresh together after a pause too), and {@link #quietForMs} holds on an idle shard.
     * A write after a pause is searchable within one interval, as any other.
     */
    private void realignAfterIdle() {
        long now = System.nanoTime();
        if (backoffNanos == 0 && now - (lastStartNanos + dueAfterNanos) >= 0) {
            dueAfterNanos = now - lastStartNanos + dueAfterNow();
            nextDueNanos = lastStartNanos + dueAfterNanos;
        }
    }

    /** Writes were applied: refresh when the interval has passed. Cheap enough to call per batch. */
    void changed() {
        if (!changed.getAndSet(true)) {
            LockSupport.unpark(thread); // it may be parked without a deadline (nothing was pending)
        }
    }

    /** Refresh as soon as possible (unless backing off after a failure). */
    void request() {
        requested = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        while (running) {
            long now = System.nanoTime();
            long due = lastStartNanos + (backoffNanos > 0 ? backoffNanos : dueAfterNanos);
            boolean backingOff = backoffNanos > 0 && now - due < 0;
            if (!backingOff && (requested || (changed.get() && now - due >= 0))) {
                refreshing = true; // before requested is cleared, so that quietForMs always sees one or the other
                requested = false;
                changed.set(false); // writes from here on may miss this refresh: they mark the next one
                lastStartNanos = now;
                dueAfterNanos = dueAfterNow();
                boolean open = refreshOnce();
                nextDueNanos = lastStartNanos + (backoffNanos > 0 ? backoffNanos : dueAfterNanos);
                refreshing = false;
                if (!open) {
                    return;
                }
            } else if (backingOff || changed.get()) {
                LockSupport.parkNanos(this, due - now);
            } else {
                LockSupport.park(this);
                realignAfterIdle();
            }
        }
    }

    /** False when the writer is closed under us (the thread then ends). */
    private boolean refreshOnce() {
        try {
            task.run();
            backoffNanos = 0;
        } catch (AlreadyClosedException e) {
            if (running) {
                log.error("[{}] index closed under the refresh thread; refreshes stop", name, e);
            }
            return false;
        } catch (IOException | RuntimeException e) {
            backoffNanos = backoffNanos == 0 ? TimeUnit.MILLISECONDS.toNanos(intervalMs) : Math.min(2 * backoffNanos, TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MS));
            changed.set(true);
            log.error("[{}] refresh failed; retrying in {} ms", name, TimeUnit.NANOSECONDS.toMillis(backoffNanos), e);
        }
        return true;
    }

    /** Stops the thread, waiting for a refresh in progress to finish. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("[{}] refresh thread did not stop within 30 s", name);
            }
        }
    }
}
