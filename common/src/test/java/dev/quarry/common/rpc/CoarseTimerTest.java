package dev.quarry.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CoarseTimer}: a task runs once after its delay, never before it, and not at all when cancelled first. */
class CoarseTimerTest {
    @Test
    void runsATaskOnceNoSoonerThanItsDelay() throws Exception {
        try (CoarseTimer timer = new CoarseTimer("test-coarse-timer")) {
            CountDownLatch ran = new CountDownLatch(1);
            long[] at = new long[1];
            long t0 = System.nanoTime();
            timer.schedule(() -> {
                at[0] = System.nanoTime();
                ran.countDown();
            }, 20, TimeUnit.MILLISECONDS);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(at[0] - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void aCancelledTaskDoesNotRun() throws Exception {
        try (CoarseTimer timer = new CoarseTimer("test-coarse-timer")) {
            AtomicInteger cancelledRuns = new AtomicInteger();
            CountDownLatch later = new CountDownLatch(1);
            for (int i = 0; i < 1000; i++) {
                timer.schedule(cancelledRuns::incrementAndGet, 5, TimeUnit.MILLISECONDS).cancel();
            }
            timer.schedule(later::countDown, 50, TimeUnit.MILLISECONDS); // runs after every cancelled one was due
            assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(cancelledRuns).hasValue(0);
        }
    }
}
