package dev.quarry.coordinator.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRateLimiterTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void eachClientHasItsOwnBucketAndNamedClientsTheirOwnRate() {
        ClientRateLimiter r = new ClientRateLimiter(new RateLimit(1, 1), Map.of("crawler", new RateLimit(1, 3)), 1000, clock::get);
        assertThat(r.tryTake("a")).isZero();
        assertThat(r.tryTake("a")).isEqualTo(1_000_000_000L);
        assertThat(r.tryTake("b")).isZero();
        assertThat(r.tryTake("crawler")).isZero();
        assertThat(r.tryTake("crawler")).isZero();
        assertThat(r.tryTake("crawler")).isZero();
        assertThat(r.tryTake("crawler")).isPositive();
        clock.addAndGet(1_000_000_000L);
        assertThat(r.tryTake("a")).isZero();
    }

    @Test
    void unlimitedClientsGetNoBucket() {
        ClientRateLimiter r = new ClientRateLimiter(RateLimit.UNLIMITED, Map.of("crawler", new RateLimit(5, 5)), 1000, clock::get);
        for (int i = 0; i < 10_000; i++) {
            assertThat(r.tryTake("client-" + i)).isZero();
        }
        assertThat(r.trackedClients()).isZero();
        r.tryTake("crawler");
        assertThat(r.trackedClients()).isEqualTo(1);
    }

    @Test
    void manyClientIdsStayWithinTheBound() {
        ClientRateLimiter r = new ClientRateLimiter(new RateLimit(1, 1), Map.of(), 500, clock::get);
        for (int i = 0; i < 50_000; i++) {
            r.tryTake("client-" + i);
        }
        assertThat(r.trackedClients()).isLessThanOrEqualTo(500);
    }

    @Test
    void idleBucketsExpireOnceTheyWouldBeFull() {
        ClientRateLimiter r = new ClientRateLimiter(new RateLimit(10, 5), Map.of(), 1000, clock::get);
        for (int i = 0; i < 100; i++) {
            r.tryTake("client-" + i);
        }
        assertThat(r.trackedClients()).isEqualTo(100);
        clock.addAndGet(400_000_000L); // refill time is 5 tokens / 10 per s = 0.5 s
        assertThat(r.trackedClients()).isEqualTo(100);
        clock.addAndGet(200_000_000L);
        // Past the refill time an idle client is treated as new: a whole burst again.
        for (int i = 0; i < 5; i++) {
            assertThat(r.tryTake("client-7")).isZero();
        }
        assertThat(r.tryTake("client-7")).isPositive();
        // Caffeine's timer wheel removes expired entries at a granularity of about a second.
        clock.addAndGet(5_000_000_000L);
        assertThat(r.trackedClients()).isZero();
    }
}
