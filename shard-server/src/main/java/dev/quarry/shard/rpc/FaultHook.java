package dev.quarry.shard.rpc;

import dev.quarry.shard.error.ShardException;

/**
 * Test fault injection (the slow-replica tests and the chaos scenario): a delay added to every
 * query this node serves. Off unless the process enables it ({@code quarry shard
 * --enable-fault-injection}, i.e. the system property {@code quarry.faultInjection=true}, or the
 * environment variable {@code QUARRY_FAULT_INJECTION=1}); then set at run time over
 * {@code ShardService/SetFault}.
 * Thread-safety: one volatile value.
 */
public final class FaultHook {
    public static final String PROPERTY = "quarry.faultInjection";

    private final boolean enabled;
    private volatile long queryDelayMs;

    public FaultHook(boolean enabled) {
        this.enabled = enabled;
    }

    /** Enabled when the process was started with fault injection on. */
    public static FaultHook fromEnvironment() {
        return new FaultHook(Boolean.getBoolean(PROPERTY) || "1".equals(System.getenv("QUARRY_FAULT_INJECTION")));
    }

    public void setQueryDelayMs(long ms) {
        if (!enabled) {
            throw new ShardException(ShardException.Kind.FAILED_PRECONDITION,
                    "fault injection is off on this node; start it with --enable-fault-injection");
        }
        if (ms < 0 || ms > 60_000) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "query delay must be 0..60000 ms");
        }
        queryDelayMs = ms;
    }

    /** Sleeps the injected delay, if any (virtual threads: a cheap park). */
    public void beforeQuery() throws InterruptedException {
        long d = queryDelayMs;
        if (d > 0) {
            Thread.sleep(d);
        }
    }
}
