package dev.quarry.cli.bench;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs a list of operations against a system under test and records latency (HdrHistogram) and
 * throughput: {@code threads} workers take operations from a shared counter until all are done.
 * The CPU the whole process used during the run is recorded too (the JIT compiler and GC included).
 */
public final class LatencyRun {
    /** One operation; must throw on failure. */
    @FunctionalInterface
    public interface Op {
        void run(int i) throws Exception;
    }

    /** Throughput and latency of one run, and the CPU this process used meanwhile (-1 when unknown). */
    public record Result(int ops, int errors, double seconds, Histogram latencyMicros, long processCpuNanos) {
        public double opsPerSecond() {
            return ops / seconds;
        }

        /** This process's CPU per operation in milliseconds, NaN when unknown. */
        public double cpuMsPerOp() {
            return processCpuNanos < 0 ? Double.NaN : processCpuNanos / 1e6 / ops;
        }

        public double p50Ms() {
            return latencyMicros.getValueAtPercentile(50) / 1000.0;
        }

        public double p99Ms() {
            return latencyMicros.getValueAtPercentile(99) / 1000.0;
        }
    }

    private LatencyRun() {}

    public static Result run(int ops, int threads, Op op) throws Exception {
        Recorder recorder = new Recorder(3);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long cpu0 = ThreadCpu.processCpuTime();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> workers = new java.util.ArrayList<>();
            for (int w = 0; w < threads; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < ops; i = next.getAndIncrement()) {
                        long s = System.nanoTime();
                        try {
                            op.run(i);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                        recorder.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu1 = ThreadCpu.processCpuTime();
        return new Result(ops, errors.get(), secs, recorder.getIntervalHistogram(), cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0);
    }
}
