package dev.quarry.shard.index;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * TEMPORARY instrumentation of the freshness stages (issue 3): events with System.nanoTime stamps,
 * kept in memory when -Dquarry.trace.freshness=true, dumped by the ingest bench.
 * Thread-safety: a concurrent queue.
 */
public final class FreshnessTrace {
    public static final boolean ON = Boolean.getBoolean("quarry.trace.freshness");
    private static final Queue<String> EVENTS = new ConcurrentLinkedQueue<>();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private FreshnessTrace() {}

    public static void event(String line) {
        if (ON) {
            EVENTS.add(line);
        }
    }

    public static long cpu() {
        return ON ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    public static List<String> drain() {
        List<String> out = new java.util.ArrayList<>();
        for (String s = EVENTS.poll(); s != null; s = EVENTS.poll()) {
            out.add(s);
        }
        return out;
    }
}
