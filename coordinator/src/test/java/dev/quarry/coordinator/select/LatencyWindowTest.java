package dev.quarry.coordinator.select;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyWindowTest {
    @Test
    void noP95BeforeTheFirstRecomputation() {
        LatencyWindow w = new LatencyWindow();
        for (int i = 0; i < LatencyWindow.RECOMPUTE_EVERY - 1; i++) {
            w.record(100);
        }
        assertThat(w.p95Micros()).isEqualTo(-1);
        w.record(100);
        assertThat(w.p95Micros()).isEqualTo(100);
    }

    @Test
    void theP95IsThe95thPercentileOfTheLastAnswers() {
        LatencyWindow w = new LatencyWindow();
        for (int i = 1; i <= LatencyWindow.SIZE; i++) {
            w.record(i);
        }
        assertThat(w.p95Micros()).isEqualTo((long) Math.ceil(LatencyWindow.SIZE * 0.95));
    }

    /** Once the window is full it is still recomputed only every RECOMPUTE_EVERY answers, not on each one (a sort of 512 longs). */
    @Test
    void aFullWindowIsRecomputedEveryRecomputeEveryAnswersOnly() {
        LatencyWindow w = new LatencyWindow();
        for (int i = 0; i < LatencyWindow.SIZE; i++) {
            w.record(100);
        }
        assertThat(w.p95Micros()).isEqualTo(100);
        // more than 5% of the window slow: the p95 would move if it were recomputed
        for (int i = 0; i < LatencyWindow.RECOMPUTE_EVERY - 1; i++) {
            w.record(10_000);
        }
        assertThat(w.p95Micros()).isEqualTo(100);
        w.record(10_000);
        assertThat(w.p95Micros()).isEqualTo(10_000);
    }
}
