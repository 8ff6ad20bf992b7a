package dev.quarry.cli.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * How busy the JIT compilers of both JVMs of a benchmark were over a stretch of it: the time they
 * spent compiling as a share of the stretch's wall time (summed over compiler threads, so two busy
 * compiler threads give 2.0), for the server (from its metrics endpoint) and for this JVM (the
 * client and raw Lucene). NaN when a side does not report it.
 *
 * <p>A fresh server JVM compiles for minutes under load: measured on {@code quarry dev} (sample corpus,
 * 16 searches in flight), its user CPU per search was 0.95 ms in searches 40,000-60,000, 0.58 in
 * 80,000-120,000 and 0.43-0.48 in 200,000-240,000, while its compile time fell from more than the wall
 * time (two compiler threads) to 7% of it. A benchmark that measures before that measures the JIT
 * compiler, not the server.
 * Thread-safety: immutable.
 */
public record JitShare(double server, double local) {
    /** The share for {@code serverJitMs} and {@code localJitMs} of compiling over {@code wallMs}. */
    public static JitShare of(double serverJitMs, double localJitMs, double wallMs) {
        return new JitShare(serverJitMs / wallMs, localJitMs / wallMs);
    }

    /** The start of a stretch: the server's counters read then ({@link CoordinatorCounters#read}), this JVM's compile time, the time. */
    public record Mark(Map<String, Double> server, double localMs, long nanos) {
        public static Mark now(Map<String, Double> serverCounters) {
            return new Mark(serverCounters, localJitMs(), System.nanoTime());
        }

        /** The share from this mark until now, {@code serverCounters} read now. */
        public JitShare until(Map<String, Double> serverCounters) {
            return of(CoordinatorCounters.jitMs(server, serverCounters), localJitMs() - localMs, (System.nanoTime() - nanos) / 1e6);
        }
    }

    /** This JVM's accumulated compile time in ms, NaN when the JVM does not report it. */
    public static double localJitMs() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : Double.NaN;
    }

    /**
     * Whether neither side compiled for more than {@code limit} of the time. A side that does not
     * report counts as settled: there is nothing to wait for on it.
     */
    public boolean settled(double limit) {
        return !(server > limit) && !(local > limit);
    }

    /** E.g. "server 12%, this JVM 3%". */
    public String describe() {
        return "server " + percent(server) + ", this JVM " + percent(local);
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "unknown" : String.format("%.0f%%", share * 100);
    }
}
