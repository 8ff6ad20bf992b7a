package dev.quarry.cli.util;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks a remote system the same question until it answers as wanted: the one waiting loop of the
 * command-line tools (a cluster's health, its settling, raft-meta peers agreeing). The check returns
 * a value when done and empty when not yet; it may also throw, which counts as "not yet" when
 * {@code transientFailure} accepts the exception.
 *
 * <p>Thread-safety: stateless.
 */
public final class Poll {
    /** One look at the remote system. */
    public interface Check<T> {
        Optional<T> look() throws Exception;
    }

    private Poll() {}

    /** The first value {@code check} gives within {@code timeout}, asking every {@code every}; empty on timeout. */
    public static <T> Optional<T> until(Duration timeout, Duration every, Class<? extends Exception> transientFailure, Check<T> check)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Optional<T> v = check.look();
                if (v.isPresent()) {
                    return v;
                }
            } catch (Exception e) {
                if (!transientFailure.isInstance(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            TimeUnit.NANOSECONDS.sleep(every.toNanos());
        }
    }
}
