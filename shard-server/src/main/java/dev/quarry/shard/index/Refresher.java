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
 * queue behind it). A refresh starts when writes are pending and {@code intervalMs} has passed since
 * the last one <em>started</em> (start to start, so a slow refresh does not stretch the interval), or
 * at once when {@link #request}ed (a read-your-writes wait, the idle merge). A failed refresh is
 * retried after a back-off that doubles from the interval up to {@link #MAX_BACKOFF_MS}.
 *
 * <p>Thread-safety: {@link #changed}, {@link #request} and {@link #close} may be called from any
 * thread other than the refresh thread (volatile/atomic flags, then an unpark, which a parked or
 * about-to-park refresh thread cannot miss: the permit is kept); the schedule ({@code lastStartNanos},
 * {@code backoffNanos}) is confined to the refresh thread.
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
    private final long intervalNanos;
    private final Task task;
    private final Thread thread;
    private final AtomicBoolean changed = new AtomicBoolean();
    private volatile boolean requested;
    private volatile boolean running = true;
    /** Refresh thread: when the last refresh started, and how long to wait after a failure. */
    private long lastStartNanos;
    private long backoffNanos;

    Refresher(String name, long intervalMs, Task task) {
        this.name = name;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.task = task;
        this.thread = new Thread(this::run, "refresh-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        lastStartNanos = System.nanoTime(); // before start(): visible to the thread
        thread.start();
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
            long due = lastStartNanos + (backoffNanos > 0 ? backoffNanos : intervalNanos);
            boolean backingOff = backoffNanos > 0 && now - due < 0;
            if (!backingOff && (requested || (changed.get() && now - due >= 0))) {
                requested = false;
                changed.set(false); // writes from here on may miss this refresh: they mark the next one
                lastStartNanos = now;
                if (!refreshOnce()) {
                    return;
                }
            } else if (backingOff || changed.get()) {
                LockSupport.parkNanos(this, due - now);
            } else {
                LockSupport.park(this);
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
            backoffNanos = backoffNanos == 0 ? intervalNanos : Math.min(2 * backoffNanos, TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MS));
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
