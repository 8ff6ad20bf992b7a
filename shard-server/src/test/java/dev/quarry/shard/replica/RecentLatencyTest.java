package dev.quarry.shard.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentLatencyTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void meanOverTheWindowThenZeroOnceItPassed() {
        AtomicLong now = new AtomicLong(100 * SECOND);
        RecentLatency l = new RecentLatency(now::get);
        assertThat(l.meanMillis()).isZero();
        l.record(10_000_000); // 10 ms
        now.addAndGet(SECOND);
        l.record(30_000_000); // 30 ms
        assertThat(l.meanMillis()).isEqualTo(20.0);
        now.addAndGet((RecentLatency.WINDOW_SECONDS - 1) * SECOND); // the 10 ms bucket has left the window
        assertThat(l.meanMillis()).isEqualTo(30.0);
        now.addAndGet(SECOND);
        assertThat(l.meanMillis()).isZero();
    }

    @Test
    void aReusedBucketForgetsItsOldSecond() {
        AtomicLong now = new AtomicLong(0);
        RecentLatency l = new RecentLatency(now::get);
        l.record(50_000_000);
        now.addAndGet(RecentLatency.WINDOW_SECONDS * SECOND); // same bucket index, ten seconds later
        l.record(2_000_000);
        assertThat(l.meanMillis()).isEqualTo(2.0);
    }
}
