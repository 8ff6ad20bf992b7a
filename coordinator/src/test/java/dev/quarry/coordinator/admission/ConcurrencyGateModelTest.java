package dev.quarry.coordinator.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.coordinator.admission.ConcurrencyGate.State;
import dev.quarry.coordinator.admission.ConcurrencyGate.Ticket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of arrivals, releases (some twice) and cancellations against a brute-force model
 * of the rules in {@link ConcurrencyGate}'s javadoc: the gate must grant, queue, evict and shed the
 * same tickets as the model, in the same order, and keep its bounds after every step. The clock
 * stands still, so the service-time estimate is 0 and never sheds (that rule has its own tests).
 */
class ConcurrencyGateModelTest {

    sealed interface Action {}

    record Arrive(Priority priority) implements Action {}

    record Release(int index, boolean twice) implements Action {}

    record Cancel(int index) implements Action {}

    @Property(tries = 400)
    void gateBehavesLikeTheModel(@ForAll @IntRange(min = 1, max = 4) int limit, @ForAll @IntRange(min = 0, max = 6) int maxQueue,
                                 @ForAll @IntRange(min = 0, max = 6) int batchQueueWish, @ForAll("actions") List<Action> actions) {
        int maxBatchQueue = Math.min(batchQueueWish, maxQueue);
        ConcurrencyGate gate = new ConcurrencyGate(limit, maxQueue, maxBatchQueue, 1_000_000_000L, () -> 42L);
        Model model = new Model(limit, maxQueue, maxBatchQueue);
        List<Ticket> all = new ArrayList<>();
        Map<Ticket, Permit> permits = new HashMap<>();
        List<Ticket> held = new ArrayList<>();
        for (Action a : actions) {
            switch (a) {
                case Arrive arrive -> {
                    Ticket t = gate.enter(arrive.priority(), Long.MAX_VALUE);
                    all.add(t);
                    model.arrive(t);
                }
                case Release r -> {
                    if (held.isEmpty()) {
                        continue;
                    }
                    Ticket t = held.get(r.index() % held.size());
                    permits.get(t).close();
                    if (r.twice()) {
                        permits.get(t).close(); // a second close must change nothing
                    }
                    model.release(t);
                }
                case Cancel c -> {
                    if (all.isEmpty()) {
                        continue;
                    }
                    Ticket t = all.get(c.index() % all.size());
                    gate.cancel(t);
                    model.cancel(t);
                }
            }
            // Compare every ticket with the model, then the bounds.
            held.clear();
            for (Ticket t : all) {
                assertThat(t.state()).as("state of a %s ticket", t.priority()).isEqualTo(model.state.get(t));
                if (t.state() == State.GRANTED) {
                    Permit p = ((Decision.Admitted) t.decision()).permit();
                    permits.put(t, p);
                    if (!p.isReleased()) {
                        held.add(t);
                    }
                } else if (t.state() == State.SHED) {
                    assertThat(((Decision.Shed) t.decision()).reason()).isEqualTo(model.reason.get(t));
                }
            }
            assertThat(gate.inFlight()).isEqualTo(model.inFlight).isEqualTo(held.size()).isLessThanOrEqualTo(limit);
            assertThat(gate.queued(Priority.INTERACTIVE)).isEqualTo(model.interactive.size());
            assertThat(gate.queued(Priority.BATCH)).isEqualTo(model.batch.size()).isLessThanOrEqualTo(maxBatchQueue);
            assertThat(model.interactive.size() + model.batch.size()).isLessThanOrEqualTo(maxQueue);
            if (!model.interactive.isEmpty() || !model.batch.isEmpty()) {
                assertThat(gate.inFlight()).as("nobody waits while a slot is free").isEqualTo(limit);
            }
        }
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Action> arrive = Arbitraries.of(Priority.class).map(Arrive::new);
        Arbitrary<Action> release = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 100), Arbitraries.of(true, false))
                .as(Release::new);
        Arbitrary<Action> cancel = Arbitraries.integers().between(0, 100).map(Cancel::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, arrive), net.jqwik.api.Tuple.of(4, release), net.jqwik.api.Tuple.of(1, cancel))
                .list().ofMaxSize(80);
    }

    /** The rules, written the plainest way. */
    private static final class Model {
        final int limit;
        final int maxQueue;
        final int maxBatchQueue;
        int inFlight;
        final Deque<Ticket> interactive = new ArrayDeque<>();
        final Deque<Ticket> batch = new ArrayDeque<>();
        final Map<Ticket, State> state = new HashMap<>();
        final Map<Ticket, ShedReason> reason = new HashMap<>();
        final Map<Ticket, Boolean> released = new HashMap<>();

        Model(int limit, int maxQueue, int maxBatchQueue) {
            this.limit = limit;
            this.maxQueue = maxQueue;
            this.maxBatchQueue = maxBatchQueue;
        }

        void arrive(Ticket t) {
            int total = interactive.size() + batch.size();
            if (inFlight < limit) {
                inFlight++;
                state.put(t, State.GRANTED);
            } else if (t.priority() == Priority.BATCH) {
                if (batch.size() < maxBatchQueue && total < maxQueue) {
                    batch.addLast(t);
                    state.put(t, State.WAITING);
                } else {
                    shed(t, ShedReason.QUEUE_FULL);
                }
            } else if (total < maxQueue) {
                interactive.addLast(t);
                state.put(t, State.WAITING);
            } else if (!batch.isEmpty()) {
                shed(batch.pollLast(), ShedReason.EVICTED);
                interactive.addLast(t);
                state.put(t, State.WAITING);
            } else {
                shed(t, ShedReason.QUEUE_FULL);
            }
        }

        void release(Ticket t) {
            if (released.put(t, true) != null) {
                return;
            }
            Ticket next = !interactive.isEmpty() ? interactive.pollFirst() : batch.pollFirst();
            if (next == null) {
                inFlight--;
            } else {
                state.put(next, State.GRANTED);
            }
        }

        void cancel(Ticket t) {
            if (state.get(t) == State.WAITING) {
                interactive.remove(t);
                batch.remove(t);
                shed(t, ShedReason.CANCELLED);
            }
        }

        private void shed(Ticket t, ShedReason r) {
            state.put(t, State.SHED);
            reason.put(t, r);
        }
    }
}
