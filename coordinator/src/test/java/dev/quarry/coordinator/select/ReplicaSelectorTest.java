package dev.quarry.coordinator.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.coordinator.routing.ReplicaRoute;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaSelectorTest {
    private static final long MS = 1_000_000;
    private final BreakerPolicy policy = new BreakerPolicy(3, 1000 * MS, 8000 * MS, 5, 2000 * MS, 200 * MS);
    private final ReplicaSelector selector = new ReplicaSelector(policy, 1);
    private final ReplicaRoute a = new ReplicaRoute("a", "127.0.0.1:1");
    private final ReplicaRoute b = new ReplicaRoute("b", "127.0.0.1:2");
    private final List<ReplicaRoute> both = List.of(a, b);

    private void answer(ReplicaRoute r, int times, long responseMicros, long serviceMicros, int queue, long now) {
        ReplicaStats s = selector.stats("i", 0, r.nodeId());
        for (int i = 0; i < times; i++) {
            s.started();
            s.succeeded(responseMicros, serviceMicros, queue, now);
        }
    }

    @Test
    void fasterReplicaRanksFirst() {
        answer(a, 10, 5_000, 4_000, 0, 0);
        answer(b, 10, 1_000, 800, 0, 0);
        for (int i = 0; i < 20; i++) {
            assertThat(selector.rank("i", 0, both, 0)).containsExactly(b, a);
        }
    }

    @Test
    void randomSelectionIgnoresWhatItMeasured() {
        ReplicaSelector random = ReplicaSelector.random(policy);
        for (int i = 0; i < 10; i++) {
            random.stats("i", 0, "a").started();
            random.stats("i", 0, "a").succeeded(50_000, 50_000, 0, 0); // a is 50x slower
            random.stats("i", 0, "b").started();
            random.stats("i", 0, "b").succeeded(1_000, 1_000, 0, 0);
        }
        int aFirst = 0;
        for (int i = 0; i < 2_000; i++) {
            List<ReplicaRoute> order = random.rank("i", 0, both, 0);
            assertThat(order).containsExactlyInAnyOrder(a, b);
            aFirst += order.get(0).equals(a) ? 1 : 0;
        }
        assertThat(aFirst).as("the slow replica still gets about half of the first tries").isBetween(850, 1_150);
        assertThat(random.shadow("i", 0, both, a, 0)).isEmpty();
    }

    @Test
    void queueAndOutstandingRequestsOutweighASmallSpeedEdge() {
        answer(a, 10, 1_000, 800, 0, 0);
        answer(b, 10, 900, 700, 6, 0); // slightly faster, but the shard reports a queue of 6
        assertThat(selector.rank("i", 0, both, 0).get(0)).isEqualTo(a);
        ReplicaStats sa = selector.stats("i", 0, "a");
        for (int i = 0; i < 10; i++) {
            sa.started(); // ten requests in flight from this coordinator to a
        }
        assertThat(selector.rank("i", 0, both, 0).get(0)).isEqualTo(b);
    }

    @Test
    void serviceTimeEntersAsOneOverMu() {
        ReplicaStats s = new ReplicaStats(policy);
        s.started();
        s.succeeded(2_000, 1_000, 1, 0);
        // R - 1/mu + qhat^3 / mu with qhat = 1 + 0 + 1
        assertThat(s.score(1)).isEqualTo(2_000 - 1_000 + 8 * 1_000);
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresProbesHalfOpenAndCloses() {
        answer(a, 10, 1_000, 800, 0, 0);
        answer(b, 10, 2_000, 1_800, 0, 0);
        ReplicaStats sa = selector.stats("i", 0, "a");
        for (int i = 0; i < 3; i++) {
            sa.started();
            sa.failed(0);
        }
        assertThat(sa.breaker()).isEqualTo(ReplicaStats.Breaker.OPEN);
        assertThat(selector.rank("i", 0, both, 0)).containsExactly(b, a);
        assertThat(selector.shadow("i", 0, both, b, 500 * MS)).isEmpty(); // still cooling down
        assertThat(selector.shadow("i", 0, both, b, 1001 * MS)).contains(a); // the half-open probe
        assertThat(sa.breaker()).isEqualTo(ReplicaStats.Breaker.HALF_OPEN);
        assertThat(selector.shadow("i", 0, both, b, 1500 * MS)).isEmpty(); // one probe at a time
        sa.failed(1600 * MS); // probe failed: open again, for twice as long
        assertThat(selector.shadow("i", 0, both, b, 2700 * MS)).isEmpty();
        assertThat(selector.shadow("i", 0, both, b, 3700 * MS)).contains(a);
        sa.succeeded(900, 800, 0, 3700 * MS);
        assertThat(sa.breaker()).isEqualTo(ReplicaStats.Breaker.CLOSED);
        assertThat(selector.rank("i", 0, both, 3700 * MS).get(0)).isEqualTo(a);
    }

    @Test
    void newReplicaWarmsUpOnShadowRequestsBeforeTakingTraffic() {
        answer(a, 10, 3_000, 2_000, 0, 0);
        // b is new: ranked after the warm replica even though it has no bad statistics
        assertThat(selector.rank("i", 0, both, 0)).containsExactly(a, b);
        assertThat(selector.shadow("i", 0, both, a, 0)).contains(b);
        assertThat(selector.shadow("i", 0, both, a, 100 * MS)).isEmpty(); // at most one per interval
        answer(b, 5, 1_000, 800, 0, 300 * MS);
        assertThat(selector.rank("i", 0, both, 300 * MS)).containsExactly(b, a);
    }

    @Test
    void abandonedHedgeLosersAreRankedDown() {
        answer(a, 10, 1_000, 800, 0, 0);
        answer(b, 10, 1_200, 900, 0, 0);
        ReplicaStats sa = selector.stats("i", 0, "a");
        for (int i = 0; i < 5; i++) {
            sa.started();
            sa.abandoned(40_000, 0);
        }
        assertThat(selector.rank("i", 0, both, 0).get(0)).isEqualTo(b);
        assertThat(sa.outstanding()).isZero();
    }

    @Test
    void aSearcherIsPinnableOnlyWhileTheReplicaPromisedItStaysItsNewest() {
        ReplicaStats s = new ReplicaStats(BreakerPolicy.DEFAULTS);
        assertThat(s.pinnableVersion(0)).as("nothing read yet").isZero();
        s.searcherRead(7, 800 * MS);
        assertThat(s.pinnableVersion(799 * MS)).isEqualTo(7);
        assertThat(s.pinnableVersion(800 * MS)).as("the promise is over: its next refresh may have started").isZero();
        s.searcherRead(0, 5_000 * MS);
        assertThat(s.pinnableVersion(900 * MS)).as("an answer without a searcher changes nothing").isZero();
        s.searcherRead(8, 900 * MS);
        assertThat(s.pinnableVersion(900 * MS)).as("no promise (until = answer time)").isZero();
        s.succeeded(50_000, 40_000, 0, 1_000 * MS); // answers take 50 ms
        s.searcherRead(9, 2_000 * MS);
        assertThat(s.pinnableVersion(1_949 * MS)).isEqualTo(9);
        assertThat(s.pinnableVersion(1_950 * MS)).as("a pin sent now would arrive after the promise").isZero();
    }
}
