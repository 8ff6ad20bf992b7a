package dev.quarry.coordinator.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.coordinator.admission.ConcurrencyGate.State;
import dev.quarry.coordinator.admission.ConcurrencyGate.Ticket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The gate with real threads and the real clock (waits, wake-ups, timeouts), and its wait estimate. */
class ConcurrencyGateTest {
    private static final long MS = 1_000_000L;

    private static Decision acquire(ConcurrencyGate gate, Priority p, long deadlineRemainingNanos, CancelHook hook) {
        Ticket t = gate.enter(p, deadlineRemainingNanos);
        Runnable undo = hook.register(() -> gate.cancel(t));
        try {
            return gate.await(t);
        } finally {
            undo.run();
        }
    }

    private static Permit hold(ConcurrencyGate gate) {
        return ((Decision.Admitted) acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, CancelHook.NONE)).permit();
    }

    @Test
    void underContentionNeverMoreThanTheLimitRunAndEverySlotComesBack() throws Exception {
        int limit = 4;
        ConcurrencyGate gate = new ConcurrencyGate(limit, 8, 2, 20 * MS, System::nanoTime);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger shed = new AtomicInteger();
        AtomicInteger maxQueued = new AtomicInteger();
        int threads = 32;
        int perThread = 300;
        List<Thread> workers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int w = 0; w < threads; w++) {
            long seed = w;
            workers.add(Thread.ofVirtual().start(() -> {
                Random rnd = new Random(seed);
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    Priority p = rnd.nextInt(3) == 0 ? Priority.BATCH : Priority.INTERACTIVE;
                    // Every fifth caller gives up after a random moment, as a cancelled RPC does.
                    CancelHook hook = rnd.nextInt(5) > 0 ? CancelHook.NONE : onCancel -> {
                        Thread canceller = Thread.ofVirtual().start(() -> {
                            LockSupport.parkNanos(rnd.nextLong(5 * MS));
                            onCancel.run();
                        });
                        return canceller::interrupt;
                    };
                    Decision d = acquire(gate, p, rnd.nextBoolean() ? Long.MAX_VALUE : rnd.nextLong(30 * MS), hook);
                    maxQueued.accumulateAndGet(gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH), Math::max);
                    if (d instanceof Decision.Admitted a) {
                        admitted.incrementAndGet();
                        int now = running.incrementAndGet();
                        maxRunning.accumulateAndGet(now, Math::max);
                        LockSupport.parkNanos(rnd.nextLong(200_000));
                        running.decrementAndGet();
                        a.permit().close();
                        if (rnd.nextInt(10) == 0) {
                            a.permit().close(); // a second close must not free a second slot
                        }
                    } else {
                        shed.incrementAndGet();
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : workers) {
            assertThat(t.join(Duration.ofSeconds(60))).as("worker finished").isTrue();
        }
        assertThat(maxRunning.get()).isLessThanOrEqualTo(limit).isPositive();
        assertThat(maxQueued.get()).isLessThanOrEqualTo(8);
        assertThat(admitted.get() + shed.get()).isEqualTo(threads * perThread);
        assertThat(shed.get()).as("32 callers on 4 slots: some must be refused").isPositive();
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH)).isZero();
        // Every slot came back: the whole limit can be taken again at once.
        List<Permit> all = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            all.add(hold(gate));
        }
        assertThat(gate.inFlight()).isEqualTo(limit);
        all.forEach(Permit::close);
    }

    @Test
    void waitersAreServedInteractiveFirstThenFifo() throws Exception {
        ConcurrencyGate gate = new ConcurrencyGate(1, 10, 10, 10_000 * MS, System::nanoTime);
        Permit first = hold(gate);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        String[] names = {"b1", "i1", "b2", "i2", "b3", "i3"};
        for (String name : names) {
            Priority p = name.startsWith("i") ? Priority.INTERACTIVE : Priority.BATCH;
            int before = gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH);
            waiters.add(Thread.ofVirtual().start(() -> {
                Decision d = acquire(gate, p, Long.MAX_VALUE, CancelHook.NONE);
                order.add(name);
                ((Decision.Admitted) d).permit().close(); // hands the slot to the next waiter
            }));
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH) == before + 1);
        }
        first.close();
        for (Thread t : waiters) {
            assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(order).containsExactly("i1", "i2", "i3", "b1", "b2", "b3");
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        ConcurrencyGate gate = new ConcurrencyGate(1, 1, 1, 10_000 * MS, System::nanoTime);
        Permit p = hold(gate);
        Thread waiter = Thread.ofVirtual().start(() -> acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, CancelHook.NONE));
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued(Priority.INTERACTIVE) == 1);
        long worst = 0;
        for (int i = 0; i < 2000; i++) {
            long t0 = System.nanoTime();
            Decision d = acquire(gate, i % 2 == 0 ? Priority.INTERACTIVE : Priority.BATCH, Long.MAX_VALUE, CancelHook.NONE);
            worst = Math.max(worst, System.nanoTime() - t0);
            assertThat(d).isInstanceOf(Decision.Shed.class);
            assertThat(((Decision.Shed) d).reason()).isEqualTo(ShedReason.QUEUE_FULL);
        }
        // The wait budget is 10 s: a refusal that waited at all would show here. 50 ms allows for a GC pause.
        assertThat(worst).isLessThan(50 * MS);
        p.close();
        assertThat(waiter.join(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void aWaiterGivesUpWhenItsBudgetRunsOut() {
        ConcurrencyGate gate = new ConcurrencyGate(1, 4, 1, 100 * MS, System::nanoTime);
        Permit p = hold(gate);
        long t0 = System.nanoTime();
        Decision d = acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, CancelHook.NONE);
        long waited = System.nanoTime() - t0;
        assertThat(((Decision.Shed) d).reason()).isEqualTo(ShedReason.QUEUE_TIMEOUT);
        assertThat(waited).isBetween(100 * MS, 2_000 * MS);
        // The client deadline shortens the budget below the gate's maximum.
        t0 = System.nanoTime();
        d = acquire(gate, Priority.BATCH, 30 * MS, CancelHook.NONE);
        waited = System.nanoTime() - t0;
        assertThat(((Decision.Shed) d).reason()).isEqualTo(ShedReason.QUEUE_TIMEOUT);
        assertThat(waited).isBetween(30 * MS, 100 * MS + 1_000 * MS);
        assertThat(gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH)).isZero();
        p.close();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aCancelledWaiterLeavesAtOnceAndAnInterruptedOneKeepsItsInterrupt() throws Exception {
        ConcurrencyGate gate = new ConcurrencyGate(1, 4, 4, 10_000 * MS, System::nanoTime);
        Permit p = hold(gate);
        AtomicReference<Runnable> cancel = new AtomicReference<>();
        AtomicReference<Decision> result = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> result.set(acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, onCancel -> {
            cancel.set(onCancel);
            return () -> {};
        })));
        await().atMost(Duration.ofSeconds(5)).until(() -> cancel.get() != null);
        long t0 = System.nanoTime();
        cancel.get().run();
        assertThat(t.join(Duration.ofSeconds(5))).isTrue();
        assertThat(System.nanoTime() - t0).isLessThan(1_000 * MS);
        assertThat(((Decision.Shed) result.get()).reason()).isEqualTo(ShedReason.CANCELLED);

        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread i = Thread.ofVirtual().start(() -> {
            result.set(acquire(gate, Priority.BATCH, Long.MAX_VALUE, CancelHook.NONE));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued(Priority.BATCH) == 1);
        i.interrupt();
        assertThat(i.join(Duration.ofSeconds(5))).isTrue();
        assertThat(((Decision.Shed) result.get()).reason()).isEqualTo(ShedReason.CANCELLED);
        assertThat(stillInterrupted.get()).isTrue();
        assertThat(gate.queued(Priority.INTERACTIVE) + gate.queued(Priority.BATCH)).isZero();
        p.close();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void anInteractiveArrivalEvictsTheNewestBatchWaiter() throws Exception {
        ConcurrencyGate gate = new ConcurrencyGate(1, 2, 2, 10_000 * MS, System::nanoTime);
        Permit p = hold(gate);
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        Thread older = Thread.ofVirtual().start(() -> record(out, "older", acquire(gate, Priority.BATCH, Long.MAX_VALUE, CancelHook.NONE)));
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued(Priority.BATCH) == 1);
        Thread newer = Thread.ofVirtual().start(() -> record(out, "newer", acquire(gate, Priority.BATCH, Long.MAX_VALUE, CancelHook.NONE)));
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued(Priority.BATCH) == 2);
        Thread interactive = Thread.ofVirtual().start(() -> record(out, "interactive", acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, CancelHook.NONE)));
        assertThat(newer.join(Duration.ofSeconds(5))).as("evicted at once").isTrue();
        assertThat(out).containsExactly("newer EVICTED");
        p.close();
        assertThat(interactive.join(Duration.ofSeconds(5))).isTrue();
        assertThat(older.join(Duration.ofSeconds(5))).isTrue();
        assertThat(out).containsExactly("newer EVICTED", "interactive admitted", "older admitted");
        assertThat(gate.inFlight()).isZero();
    }

    /** Notes the outcome, then gives the slot on (so the notes are in grant order). */
    private static void record(ConcurrentLinkedQueue<String> out, String who, Decision d) {
        switch (d) {
            case Decision.Admitted a -> {
                out.add(who + " admitted");
                a.permit().close();
            }
            case Decision.Shed s -> out.add(who + " " + s.reason().name());
        }
    }

    /** The estimate with a hand-driven clock: no thread ever waits here. */
    @Test
    void shedsAtOnceWhenTheQueueAheadWouldOutlastTheBudget() {
        AtomicLong clock = new AtomicLong();
        ConcurrencyGate gate = new ConcurrencyGate(2, 100, 50, 10_000 * MS, clock::get);
        Permit a = hold(gate);
        Permit b = hold(gate);
        clock.addAndGet(100 * MS);
        a.close(); // first sample: srtt 100 ms, rttvar 50 ms
        b.close(); // same again: srtt 100 ms, rttvar 50 + (0 - 50) / 4 = 37.5 ms
        assertThat(gate.serviceEwmaNanos()).isEqualTo(100 * MS);
        assertThat(gate.reserveNanos()).isEqualTo(250 * MS); // 100 + 4 x 37.5
        hold(gate);
        hold(gate);
        // Budget = 1 s - 250 ms reserved for the service = 750 ms; the k-th waiter expects k x 100 ms / 2 slots.
        List<Ticket> queued = new ArrayList<>();
        for (int k = 1; k <= 15; k++) {
            Ticket t = gate.enter(Priority.INTERACTIVE, 1_000 * MS);
            assertThat(t.state()).as("waiter %d expects %d ms", k, k * 50).isEqualTo(State.WAITING);
            queued.add(t);
        }
        Ticket late = gate.enter(Priority.INTERACTIVE, 1_000 * MS);
        Decision.Shed shed = (Decision.Shed) late.decision();
        assertThat(shed.reason()).isEqualTo(ShedReason.WAIT_EXCEEDS_BUDGET);
        assertThat(shed.retryAfterNanos()).isEqualTo(800 * MS);
        assertThat(shed.detail()).contains("15 requests queued ahead", "800 ms", "750 ms");
        // A longer deadline still fits; the gate's own maximum wait caps it.
        assertThat(gate.enter(Priority.INTERACTIVE, 2_000 * MS).state()).isEqualTo(State.WAITING);
        // A batch request counts the interactive ones ahead of it too
        // (16 ahead: 17 x 50 ms = 850 ms > its 750 ms budget, with no batch request queued at all).
        assertThat(((Decision.Shed) gate.enter(Priority.BATCH, 1_000 * MS).decision()).reason()).isEqualTo(ShedReason.WAIT_EXCEEDS_BUDGET);
        // A deadline shorter than the reserve leaves no budget at all.
        Decision.Shed none = (Decision.Shed) gate.enter(Priority.INTERACTIVE, 240 * MS).decision();
        assertThat(none.reason()).isEqualTo(ShedReason.WAIT_EXCEEDS_BUDGET);
        assertThat(none.detail()).contains("240 ms left", "250 ms needed");
        queued.forEach(gate::cancel);
    }

    /** The reserve follows the spread of service times, not only their mean. */
    @Test
    void theReserveGrowsWithTheSpreadOfServiceTimes() {
        AtomicLong clock = new AtomicLong();
        ConcurrencyGate steady = new ConcurrencyGate(1, 0, 0, 0, clock::get);
        ConcurrencyGate jumpy = new ConcurrencyGate(1, 0, 0, 0, clock::get);
        for (int i = 0; i < 200; i++) {
            Permit s = hold(steady);
            Permit j = hold(jumpy);
            clock.addAndGet(50 * MS);
            s.close();
            clock.addAndGet(i % 2 == 0 ? 0 : 50 * MS);
            j.close(); // alternately 50 and 100 ms: mean 75 ms, deviation 25 ms
        }
        assertThat(steady.reserveNanos()).isBetween(50 * MS, 51 * MS);
        assertThat(jumpy.serviceEwmaNanos()).isBetween(70 * MS, 80 * MS);
        assertThat(jumpy.reserveNanos()).isBetween(160 * MS, 190 * MS);
    }

    @Test
    void aSlotFreedWhileNobodyWaitsGoesBackToThePool() throws Exception {
        ConcurrencyGate gate = new ConcurrencyGate(2, 0, 0, 0, System::nanoTime);
        Permit a = hold(gate);
        Permit b = hold(gate);
        Decision refused = acquire(gate, Priority.INTERACTIVE, Long.MAX_VALUE, CancelHook.NONE);
        assertThat(((Decision.Shed) refused).reason()).isEqualTo(ShedReason.QUEUE_FULL);
        a.close();
        assertThat(gate.inFlight()).isEqualTo(1);
        Permit c = hold(gate);
        b.close();
        c.close();
        assertThat(gate.inFlight()).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(((Decision.Shed) refused).retryAfterNanos())).isGreaterThanOrEqualTo(1);
    }
}
