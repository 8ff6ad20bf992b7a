package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Refresher#quietForMs}: how long the newest searcher stays the newest, which the coordinator
 * relies on to reuse cached statistics with a pin. A real refresh thread, a task that records when it
 * ran and can be held.
 */
class RefresherQuietTest {
    private static final long INTERVAL_MS = 400;
    private static final long PHASE_MS = 0;

    private final CopyOnWriteArrayList<Long> startsMs = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch hold = new CountDownLatch(0);

    private Refresher refresher() {
        return new Refresher("quiet-test", INTERVAL_MS, PHASE_MS, () -> {
            startsMs.add(System.currentTimeMillis());
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Milliseconds past the last grid point at {@code ms}. */
    private static long offGrid(long ms) {
        return Math.floorMod(ms - PHASE_MS, INTERVAL_MS);
    }

    @Test
    void nothingIsPromisedWhileARefreshIsRequestedOrRunning() {
        try (Refresher r = refresher()) {
            r.start();
            assertThat(r.quietForMs()).isBetween(0L, INTERVAL_MS);
            hold = new CountDownLatch(1);
            r.request();
            assertThat(r.quietForMs()).as("requested").isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> startsMs.size() == 1);
            assertThat(r.quietForMs()).as("running").isZero();
            hold.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> r.quietForMs() > 0);
            assertThat(r.quietForMs()).as("until the next grid point").isLessThanOrEqualTo(INTERVAL_MS);
        }
    }

    @Test
    void aWriteAfterAPauseIsRefreshedAtTheNextGridPointNotAtOnce() throws Exception {
        try (Refresher r = refresher()) {
            r.start();
            long startedMs = System.currentTimeMillis();
            // idle past the first due time (at most one interval after the start), nothing pending, mid-interval
            await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() - startedMs > INTERVAL_MS
                    && offGrid(System.currentTimeMillis()) > 100 && offGrid(System.currentTimeMillis()) < INTERVAL_MS - 150);
            long quiet = r.quietForMs();
            long changedAt = System.currentTimeMillis();
            assertThat(quiet).as("promised until the next grid point").isBetween(1L, INTERVAL_MS - offGrid(changedAt));
            r.changed();
            await().atMost(Duration.ofSeconds(5)).until(() -> startsMs.size() == 1);
            long started = startsMs.get(0);
            assertThat(started - changedAt).as("not before the promise was over").isGreaterThanOrEqualTo(quiet);
            assertThat(offGrid(started)).as("on the grid point (or a little after, on a busy machine)").isLessThan(INTERVAL_MS / 2);
        }
    }
}
