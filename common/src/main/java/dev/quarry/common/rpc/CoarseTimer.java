package dev.quarry.common.rpc;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A timer for tasks that are armed on every call and almost always cancelled by its answer: the
 * coordinator's hedge after a shard's recent p95, a node's help for a search still busy after 2 ms.
 *
 * <p>A {@code ScheduledThreadPoolExecutor} wakes its thread whenever a new task becomes the earliest,
 * which for a short task on an otherwise empty queue is every time: at 1,500 searches a second, the
 * two timer threads of {@code quarry dev} used 4% of its CPU, waking to wait again. Netty's hashed
 * wheel arms and cancels a task without waking anyone; its thread ticks once a {@link #TICK_MS}
 * millisecond instead, and a task runs up to a tick late. That suits hedges and help; a deadline
 * that must be met to the millisecond belongs on a precise timer.
 *
 * <p>Tasks run on the timer's one thread and must be short (start a call, hand work to an executor).
 * Thread-safety: thread-safe.
 */
public final class CoarseTimer implements AutoCloseable {
    /** The tick: how late a task may run. */
    public static final long TICK_MS = 1;

    /** One timer for the whole process (its thread is a daemon, started on first use). */
    public static final CoarseTimer SHARED = new CoarseTimer("quarry-coarse-timer");

    /** An armed task. */
    @FunctionalInterface
    public interface Armed {
        /** Cancels the task unless it has run; cheap, and harmless after it ran. */
        void cancel();
    }

    private final HashedWheelTimer wheel;

    public CoarseTimer(String threadName) {
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        };
        this.wheel = new HashedWheelTimer(threads, TICK_MS, TimeUnit.MILLISECONDS, 512);
    }

    /** Runs {@code task} on the timer's thread after {@code delay} (up to a tick later), unless cancelled first. */
    public Armed schedule(Runnable task, long delay, TimeUnit unit) {
        Timeout t = wheel.newTimeout(timeout -> task.run(), delay, unit);
        return t::cancel;
    }

    @Override
    public void close() {
        wheel.stop();
    }
}
