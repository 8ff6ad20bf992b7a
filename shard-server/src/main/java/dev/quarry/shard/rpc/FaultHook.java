package dev.quarry.shard.rpc;

import dev.quarry.shard.error.ShardException;

/**
 * Test fault injection (the slow-replica tests and the chaos scenario): a delay added to every
 * query one replica on this node serves (or every replica of the node). Off unless the process enables it ({@code quarry shard
 * --enable-fault-injection}, i.e. the system property {@code quarry.faultInjection=true}, or the
 * environment variable {@code QUARRY_FAULT_INJECTION=1}); then set at run time over
 * {@code ShardService/SetFault}.
 * Thread-safety: a concurrent map of delays.
 */
public final class FaultHook {
    public static final String PROPERTY = "quarry.faultInjection";

    private final boolean enabled;
    /** Delay per "index/shard", or per "*" for the whole node. */
    private final java.util.Map<String, Long> delays = new java.util.concurrent.ConcurrentHashMap<>();

    public FaultHook(boolean enabled) {
        this.enabled = enabled;
    }

    /** Enabled when the process was started with fault injection on. */
    public static FaultHook fromEnvironment() {
        return new FaultHook(Boolean.getBoolean(PROPERTY) || "1".equals(System.getenv("QUARRY_FAULT_INJECTION")));
    }

    public void setQueryDelayMs(String index, int shard, long ms) {
        if (!enabled) {
            throw new ShardException(ShardException.Kind.FAILED_PRECONDITION,
                    "fault injection is off on this node; start it with --enable-fault-injection");
        }
        if (ms < 0 || ms > 60_000) {
            throw new ShardException(ShardException.Kind.INVALID_ARGUMENT, "query delay must be 0..60000 ms");
        }
        String key = index.isEmpty() ? "*" : index + "/" + shard;
        if (ms == 0) {
            delays.remove(key);
        } else {
            delays.put(key, ms);
        }
    }

    /** Sleeps the injected delay, if any (virtual threads: a cheap park). */
    public void beforeQuery(String index, int shard) throws InterruptedException {
        if (delays.isEmpty()) {
            return;
        }
        long d = delays.getOrDefault(index + "/" + shard, delays.getOrDefault("*", 0L));
        if (d > 0) {
            Thread.sleep(d);
        }
    }
}
