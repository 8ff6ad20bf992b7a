package dev.quarry.cli.role;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one role as the whole of this process until the JVM is asked to stop (SIGTERM from
 * {@code quarry cluster down}, {@code docker stop} or a supervisor; Ctrl-C): the shutdown hook runs
 * the role's graceful stop, and {@link #awaitStopped()} returns once that finished, so the JVM exits
 * only after every part was closed in order. SIGKILL skips all of this by definition; every role is
 * written so that a restart after it loses nothing acknowledged (see ARCHITECTURE.md).
 *
 * <p>Thread-safety: {@link #stop} runs at most once (the shutdown hook thread, or a caller);
 * {@link #awaitStopped} may be called from any thread.
 */
public final class RoleRunner {
    private static final Logger log = LoggerFactory.getLogger(RoleRunner.class);

    private final String role;
    private final AutoCloseable gracefulStop;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private RoleRunner(String role, AutoCloseable gracefulStop) {
        this.role = role;
        this.gracefulStop = gracefulStop;
    }

    /** Installs the shutdown hook that runs {@code gracefulStop} once; returns the runner to await. */
    public static RoleRunner onShutdown(String role, AutoCloseable gracefulStop) {
        RoleRunner r = new RoleRunner(role, gracefulStop);
        Runtime.getRuntime().addShutdownHook(new Thread(r::stop, role + "-shutdown"));
        return r;
    }

    /** Runs the graceful stop (once); logs its duration, and a failure (the JVM is exiting anyway). */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        log.info("{}: stopping (graceful)", role);
        try {
            gracefulStop.close();
            log.info("{}: stopped in {} ms", role, (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception | Error e) {
            log.error("{}: graceful stop failed after {} ms", role, (System.nanoTime() - t0) / 1_000_000, e);
        } finally {
            stopped.countDown();
        }
    }

    /** Blocks until the graceful stop finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }
}
