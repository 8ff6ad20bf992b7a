package dev.quarry.coordinator.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SEC = 1_000_000_000L;

    @Test
    void burstAtOnceThenOneTokenPerInterval() {
        TokenBucket b = new TokenBucket(new RateLimit(10, 3), 0);
        assertThat(b.tryTake(0)).isZero();
        assertThat(b.tryTake(0)).isZero();
        assertThat(b.tryTake(0)).isZero();
        long wait = b.tryTake(0);
        assertThat(wait).isEqualTo(SEC / 10);
        assertThat(b.tryTake(wait - 1)).isEqualTo(1);
        assertThat(b.tryTake(wait)).isZero();
        assertThat(b.tryTake(wait)).isPositive();
    }

    @Test
    void idleForRefillTimeMakesItFullAgain() {
        TokenBucket b = new TokenBucket(new RateLimit(4, 2), 0);
        b.tryTake(0);
        b.tryTake(0);
        assertThat(b.nanosUntilFull(0)).isEqualTo(b.refillNanos());
        long later = b.refillNanos();
        assertThat(b.nanosUntilFull(later)).isZero();
        assertThat(b.tryTake(later)).isZero();
        assertThat(b.tryTake(later)).isZero();
        assertThat(b.tryTake(later)).isPositive();
    }

    /**
     * Oracle: the textbook bucket, counted in nanoseconds of credit so that it is exact: credit
     * grows with time up to {@code burst × interval}; a request takes {@code interval} if there is.
     * GCRA must decide every request of every arrival sequence the same, and its wait hint must be
     * exactly the credit missing.
     */
    @Property(tries = 500)
    void agreesWithACountingTokenBucket(@ForAll("rates") int rate, @ForAll @IntRange(min = 1, max = 20) int burst,
                                        @ForAll("gaps") List<Long> gaps) {
        long interval = SEC / rate;
        TokenBucket gcra = new TokenBucket(new RateLimit(rate, burst), 0);
        long credit = burst * interval;
        long now = 0;
        long last = 0;
        for (long gap : gaps) {
            now += gap;
            credit = Math.min(burst * interval, credit + (now - last));
            last = now;
            long wait = gcra.tryTake(now);
            if (credit >= interval) {
                assertThat(wait).as("conforming at %d", now).isZero();
                credit -= interval;
            } else {
                assertThat(wait).as("wait hint at %d", now).isEqualTo(interval - credit);
            }
        }
    }

    @Provide
    Arbitrary<Integer> rates() {
        return Arbitraries.of(1, 2, 4, 5, 8, 10, 20, 25, 50, 100, 1000); // whole intervals, so the oracle is exact
    }

    @Provide
    Arbitrary<List<Long>> gaps() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, SEC / 1000), Arbitraries.longs().between(0, SEC))
                .list().ofMaxSize(200);
    }

    @Test
    void concurrentTakersGetNoMoreThanBurstPlusRate() throws Exception {
        RateLimit limit = new RateLimit(2000, 50);
        long t0 = System.nanoTime();
        TokenBucket b = new TokenBucket(limit, t0);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long runNanos = 300_000_000L;
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() - t0 < runNanos) {
                    if (b.tryTake(System.nanoTime()) == 0) {
                        granted.incrementAndGet();
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double elapsedS = (System.nanoTime() - t0) / 1e9;
        // Safety under contention: no lost update of tat may hand out a token twice.
        assertThat(granted.get()).isLessThanOrEqualTo((int) (limit.burst() + limit.perSecond() * elapsedS) + 1);
        // Liveness: tokens kept coming after the burst. (How many depends on how much CPU the spinning
        // threads got on a shared machine, and a bucket idle past its burst drops tokens, so no tighter bound.)
        assertThat(granted.get()).isGreaterThan((int) limit.burst());
    }

    @Test
    void parsesRates() {
        assertThat(RateLimit.parse("50")).isEqualTo(new RateLimit(50, 50));
        assertThat(RateLimit.parse("0.5")).isEqualTo(new RateLimit(0.5, 1));
        assertThat(RateLimit.parse("50:200")).isEqualTo(new RateLimit(50, 200));
        assertThat(RateLimit.parse("0")).isEqualTo(RateLimit.UNLIMITED);
        for (String bad : List.of("", "x", "5:", ":5", "-1", "5:0.5", "1:2:3", "NaN")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RateLimit.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
