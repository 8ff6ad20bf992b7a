package dev.quarry.common.meta;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's first call to raft-meta (its registration), retried while raft-meta cannot serve it:
 * a node started together with the metadata peers, or while they elect a new leader (a killed
 * leader restarted beside the node), must wait for them rather than exit. Each try is a full
 * {@link MetaClient} call (which already fails over between peers); only "cannot serve now"
 * outcomes ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}) are retried, anything else is an
 * answer and is thrown.
 *
 * <p>Thread-safety: stateless.
 */
public final class StartupRetry {
    private static final Logger log = LoggerFactory.getLogger(StartupRetry.class);
    /** How long a node waits for raft-meta at start-up before it gives up. */
    public static final Duration DEFAULT_BUDGET = Duration.ofMinutes(2);

    private StartupRetry() {}

    public static <T> T untilServed(String what, Supplier<T> call, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
                if (!retryable || System.nanoTime() > deadline) {
                    throw e;
                }
                log.warn("{}: raft-meta cannot serve yet ({}), try {}; retrying for up to {} s", what, code, attempt, budget.toSeconds());
                try {
                    Thread.sleep(Math.min(2_000, 250L * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
