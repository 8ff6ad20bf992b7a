package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link LatencyRun#runAsync}: every operation starts exactly once, never more than the asked number
 * at once; failures are counted; operations that complete inside their own start (10,000 in a row)
 * neither overflow the stack nor get lost.
 */
class LatencyRunTest {
    @Test
    void startsEveryOperationOnceWithAtMostTheAskedNumberInFlight() throws Exception {
        ExecutorService completer = Executors.newFixedThreadPool(3);
        try {
            int ops = 5_000;
            AtomicIntegerArray started = new AtomicIntegerArray(ops);
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            LatencyRun.Result r = LatencyRun.runAsync(ops, 4, (i, done) -> {
                started.incrementAndGet(i);
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Runnable finish = () -> {
                    inFlight.decrementAndGet();
                    done.accept(i % 10 == 3 ? new IllegalStateException("failed " + i) : null);
                };
                if (i % 7 == 0) {
                    finish.run(); // completes inside its own start
                } else {
                    completer.execute(finish);
                }
            });
            for (int i = 0; i < ops; i++) {
                assertThat(started.get(i)).as("operation %d", i).isEqualTo(1);
            }
            assertThat(maxInFlight.get()).isBetween(1, 4);
            assertThat(r.ops()).isEqualTo(ops);
            assertThat(r.errors()).isEqualTo(ops / 10);
            assertThat(r.latencyMicros().getTotalCount()).isEqualTo(ops);
        } finally {
            completer.shutdownNow();
            completer.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void operationsCompletingInsideTheirStartKeepTheStackFlat() throws Exception {
        int ops = 10_000;
        AtomicInteger ran = new AtomicInteger();
        LatencyRun.Result r = LatencyRun.runAsync(ops, 2, (i, done) -> {
            ran.incrementAndGet();
            if (i % 2 == 0) {
                throw new IllegalStateException("refused at once " + i); // a throwing start counts as a failure
            }
            done.accept(null);
        });
        assertThat(ran.get()).isEqualTo(ops);
        assertThat(r.errors()).isEqualTo(ops / 2);
    }

    /**
     * Rounds of a bench add up: counts, time and CPU summed, latencies pooled, the machine's busy share
     * weighted by each round's time; an unknown CPU stays unknown.
     */
    @Test
    void resultsOfRoundsAddUp() {
        org.HdrHistogram.Histogram fast = new org.HdrHistogram.Histogram(3);
        org.HdrHistogram.Histogram slow = new org.HdrHistogram.Histogram(3);
        for (int i = 0; i < 99; i++) {
            fast.recordValue(100);
            slow.recordValue(10_000);
        }
        LatencyRun.Result a = new LatencyRun.Result(99, 1, 1.0, fast, 2_000_000, 0.5);
        LatencyRun.Result b = new LatencyRun.Result(99, 2, 3.0, slow, 4_000_000, 0.9);
        LatencyRun.Result sum = a.plus(b);
        assertThat(sum.ops()).isEqualTo(198);
        assertThat(sum.errors()).isEqualTo(3);
        assertThat(sum.opsPerSecond()).isEqualTo(198 / 4.0);
        assertThat(sum.processCpuNanos()).isEqualTo(6_000_000);
        assertThat(sum.machineBusy()).isCloseTo((0.5 * 1 + 0.9 * 3) / 4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(sum.latencyMicros().getTotalCount()).isEqualTo(198);
        assertThat(sum.p99Ms()).isGreaterThanOrEqualTo(9.9);
        assertThat(a.latencyMicros().getTotalCount()).as("the parts are unchanged").isEqualTo(99);
        LatencyRun.Result unknown = new LatencyRun.Result(1, 0, 1.0, slow, -1, Double.NaN);
        assertThat(a.plus(unknown).processCpuNanos()).isEqualTo(-1);
        assertThat(a.plus(unknown).machineBusy()).isNaN();
    }
}
