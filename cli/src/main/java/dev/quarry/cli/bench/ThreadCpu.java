package dev.quarry.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads, grouped by name (digits and what follows a {@code -} or
 * {@code :} removed, so {@code apply-shard-1:bench/0} and {@code apply-shard-2:bench/1} count as
 * {@code apply}): where an in-process benchmark's CPU went between two snapshots; or the CPU of
 * chosen threads ({@link #nanos}). Threads that ended between the snapshots are missing from the difference.
 * The whole process's CPU is taken too: the JVM's own compiler and GC threads are not Java threads,
 * and on a 2-core machine the JIT compiler alone can use half a core for minutes after a start.
 *
 * <p>Thread-safety: immutable snapshot.
 */
record ThreadCpu(long nanos, long processCpuNanos, Map<Long, Long> cpuByThread, Map<Long, String> names) {
    static ThreadCpu now() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null) {
                long t = mx.getThreadCpuTime(info.getThreadId());
                if (t >= 0) {
                    cpu.put(info.getThreadId(), t);
                    names.put(info.getThreadId(), info.getThreadName());
                }
            }
        }
        return new ThreadCpu(System.nanoTime(), processCpuTime(), cpu, names);
    }

    /** The CPU nanoseconds this whole process has used (every thread, the JVM's own included), -1 when unknown. */
    static long processCpuTime() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** CPU nanoseconds, in this snapshot, of the threads whose names {@code pick} accepts. */
    long nanos(java.util.function.Predicate<String> pick) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : cpuByThread.entrySet()) {
            if (pick.test(names.get(e.getKey()))) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Cores used per thread group from {@code before} to this snapshot, largest first, groups under 0.01 cores left out. */
    String coresSince(ThreadCpu before) {
        double seconds = (nanos - before.nanos) / 1e9;
        Map<String, Long> byGroup = new TreeMap<>();
        cpuByThread.forEach((id, t) -> byGroup.merge(group(names.get(id)), t - before.cpuByThread.getOrDefault(id, 0L), Long::sum));
        StringBuilder out = new StringBuilder();
        double total = byGroup.values().stream().mapToLong(Long::longValue).sum() / 1e9 / seconds;
        if (processCpuNanos >= 0 && before.processCpuNanos >= 0) {
            out.append(String.format("%.2f cores in the whole process (JIT compiler and GC threads included), ",
                    (processCpuNanos - before.processCpuNanos) / 1e9 / seconds));
        }
        out.append(String.format("%.2f cores in this JVM's threads:", total));
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> e.getValue() / 1e9 / seconds >= 0.01)
                .forEach(e -> out.append(String.format(" %s %.2f,", e.getKey(), e.getValue() / 1e9 / seconds)));
        out.setLength(out.length() - 1);
        return out.toString();
    }

    static String group(String name) {
        String g = name.replaceAll("[-:#].*$", "").replaceAll("[0-9]+", "").trim();
        return g.isEmpty() ? name : g;
    }
}
