package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The refresh grid: when a shard's next refresh is due, and how an index's shards are spread over the interval. */
class RefresherScheduleTest {
    @Test
    void aRefreshOnItsGridPointOrLateByAFewMillisecondsIsFollowedByTheNextGridPoint() {
        long phase = 250;
        assertThat(Refresher.dueAfterMs(10_250, 1_000, phase)).isEqualTo(1_000);
        assertThat(Refresher.dueAfterMs(10_263, 1_000, phase)).as("13 ms late: no drift").isEqualTo(987);
    }

    @Test
    void aRefreshOffTheGridIsFollowedByOneBackOnIt() {
        long phase = 250;
        assertThat(Refresher.dueAfterMs(10_600, 1_000, phase)).isEqualTo(650); // at 11,250
        assertThat(Refresher.dueAfterMs(11_240, 1_000, phase)).as("a requested refresh just before a grid point").isEqualTo(10);
    }

    @Property
    void theNextRefreshIsOnTheGridAndNeverMoreThanOneIntervalAway(@ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long startMs,
                                                                 @ForAll @LongRange(min = 10, max = 3_600_000) long intervalMs,
                                                                 @ForAll @LongRange(min = 0, max = 3_599_999) long phase) {
        long phaseMs = phase % intervalMs;
        long after = Refresher.dueAfterMs(startMs, intervalMs, phaseMs);
        assertThat(after).isBetween(1L, intervalMs);
        assertThat(Math.floorMod(startMs + after - phaseMs, intervalMs)).isZero();
    }

    @Test
    void anIndexsShardsAreSpreadEvenlyOverTheInterval() {
        List<Long> phases = new ArrayList<>();
        for (int shard = 0; shard < 4; shard++) {
            phases.add(Refresher.phaseMs("products", shard, 4, 1_000));
        }
        List<Long> sorted = phases.stream().sorted().toList();
        assertThat(LongStream.range(1, 4).map(i -> sorted.get((int) i) - sorted.get((int) i - 1))).containsOnly(250L);
        assertThat(phases).allMatch(p -> p >= 0 && p < 1_000);
        assertThat(Refresher.phaseMs("products", 1, 4, 1_000)).as("the same on every node").isEqualTo(phases.get(1));
    }

    @Test
    void aShardOfAnotherIndexIsShiftedByItsName() {
        assertThat(Refresher.phaseMs("products", 0, 2, 1_000)).isNotEqualTo(Refresher.phaseMs("users", 0, 2, 1_000));
    }
}
