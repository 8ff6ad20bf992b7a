package dev.quarry.coordinator.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyWindowTest {
    @Test
    void noP95BeforeEnoughAnswers() {
        LatencyWindow w = new LatencyWindow();
        for (int i = 0; i < LatencyWindow.MIN_ANSWERS - 1; i++) {
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

    /** After every answer, the p95 equals that of a sorted copy of the last SIZE answers (duplicates, a slow burst, old values leaving). */
    @Test
    void theP95IsCurrentAfterEveryAnswer() {
        LatencyWindow w = new LatencyWindow();
        ArrayDeque<Long> last = new ArrayDeque<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            long v = i >= 2_000 && i < 2_100 ? 50_000 + rnd.nextInt(100) : rnd.nextInt(40); // many equal values, then a burst
            w.record(v);
            last.addLast(v);
            if (last.size() > LatencyWindow.SIZE) {
                last.removeFirst();
            }
            if (last.size() >= LatencyWindow.MIN_ANSWERS) {
                long[] copy = last.stream().mapToLong(Long::longValue).toArray();
                Arrays.sort(copy);
                assertThat(w.p95Micros()).as("after answer %d", i).isEqualTo(copy[(int) Math.ceil(copy.length * 0.95) - 1]);
            }
        }
    }
}
