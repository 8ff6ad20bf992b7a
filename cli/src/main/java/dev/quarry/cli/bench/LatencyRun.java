package dev.quarry.cli.bench;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs a list of operations against a system under test and records latency (HdrHistogram) and
 * throughput: {@code threads} workers take operations from a shared counter until all are done.
 * The CPU the whole process used during the run is recorded too (the JIT compiler and GC included),
 * and how busy the whole machine was.
 */
public final class LatencyRun {
    /** One operation; must throw on failure. */
    @FunctionalInterface
    public interface Op {
        void run(int i) throws Exception;
    }

    /**
     * Throughput and latency of one run, the CPU this process used meanwhile (-1 when unknown), and
     * how busy the whole machine was (0..1 of all cores, every process counted; NaN when unknown).
     */
    public record Result(int ops, int errors, double seconds, Histogram latencyMicros, long processCpuNanos, double machineBusy) {
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

        /** This run and {@code other} as one: counts, time and CPU summed, latencies pooled, the machine's busy share weighted by time. */
        public Result plus(Result other) {
            Histogram pooled = latencyMicros.copy();
            pooled.add(other.latencyMicros);
            long cpu = processCpuNanos < 0 || other.processCpuNanos < 0 ? -1 : processCpuNanos + other.processCpuNanos;
            double busy = (machineBusy * seconds + other.machineBusy * other.seconds) / (seconds + other.seconds);
            return new Result(ops + other.ops, errors + other.errors, seconds + other.seconds, pooled, cpu, busy);
        }
    }

    /**
     * One operation started without waiting for it: it calls {@code done} exactly once, from any
     * thread, with null on success or the failure.
     */
    @FunctionalInterface
    public interface AsyncOp {
        void start(int i, Consumer<Throwable> done);
    }

    private LatencyRun() {}

    /**
     * Like {@link #run}, with {@code inFlight} operations outstanding at all times and no thread
     * waiting for them: each completion starts the next operation on the thread that completed it
     * (for a gRPC async stub on a direct-executor channel, the transport's event loop). A load
     * generator built so (as wrk or ghz are) spends no thread wake-up per operation, so more of
     * the machine is left to the system under test.
     */
    public static Result runAsync(int ops, int inFlight, AsyncOp op) throws InterruptedException {
        AsyncLoop loop = new AsyncLoop(ops, op);
        Start start = Start.now();
        for (int w = 0; w < Math.min(inFlight, ops); w++) {
            loop.launch();
        }
        loop.finished.await();
        return start.result(ops, loop.errors.get(), loop.recorder.getIntervalHistogram());
    }

    /** The readings at the start of a run: time, this process's CPU, the machine's CPU. */
    private record Start(long nanos, long processCpuNanos, MachineCpu machine) {
        static Start now() {
            return new Start(System.nanoTime(), ThreadCpu.processCpuTime(), MachineCpu.now());
        }

        /** The run's result, its readings taken now. */
        Result result(int ops, int errors, Histogram latencyMicros) {
            double secs = (System.nanoTime() - nanos) / 1e9;
            long cpu = ThreadCpu.processCpuTime();
            return new Result(ops, errors, secs, latencyMicros, processCpuNanos < 0 || cpu < 0 ? -1 : cpu - processCpuNanos,
                    MachineCpu.busyBetween(machine, MachineCpu.now()));
        }
    }

    /**
     * The state of one {@link #runAsync}. An operation that completes inside its own {@code start}
     * (a call that fails at once) would start the next one from within, and so on: such starts are
     * trampolined, counted and started by the outermost launch on that thread, so the stack stays flat.
     * Thread-safety: counters are atomic; the trampoline is per thread.
     */
    private static final class AsyncLoop {
        final Recorder recorder = new Recorder(3);
        final AtomicInteger errors = new AtomicInteger();
        final CountDownLatch finished;
        private final AtomicInteger next = new AtomicInteger();
        private final int ops;
        private final AsyncOp op;
        /** Per thread: whether a launch is running on it, and how many launches it owes. */
        private final ThreadLocal<int[]> trampoline = ThreadLocal.withInitial(() -> new int[2]);

        AsyncLoop(int ops, AsyncOp op) {
            this.ops = ops;
            this.op = op;
            this.finished = new CountDownLatch(ops);
        }

        void launch() {
            int[] t = trampoline.get();
            if (t[0] != 0) {
                t[1]++;
                return;
            }
            t[0] = 1;
            try {
                for (int owed = 1; owed > 0; owed += t[1], t[1] = 0) {
                    owed--;
                    startNext();
                }
            } finally {
                t[0] = 0;
            }
        }

        private void startNext() {
            int i = next.getAndIncrement();
            if (i >= ops) {
                return;
            }
            long s = System.nanoTime();
            AtomicBoolean once = new AtomicBoolean();
            Consumer<Throwable> done = failure -> {
                if (!once.compareAndSet(false, true)) {
                    return;
                }
                if (failure != null) {
                    errors.incrementAndGet();
                }
                recorder.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                finished.countDown();
                launch();
            };
            try {
                op.start(i, done);
            } catch (RuntimeException e) {
                done.accept(e);
            }
        }
    }

    public static Result run(int ops, int threads, Op op) throws Exception {
        Recorder recorder = new Recorder(3);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Start start = Start.now();
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
        return start.result(ops, errors.get(), recorder.getIntervalHistogram());
    }
}
