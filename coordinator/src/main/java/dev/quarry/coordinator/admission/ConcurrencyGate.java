package dev.quarry.coordinator.admission;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The global concurrency limit with a bounded, two-level priority wait queue.
 *
 * <p>Algorithm: at most {@code limit} requests hold a {@link Permit}. A request that finds every
 * slot busy queues (interactive ahead of batch, FIFO within each), unless one of these refuses it
 * at once: the queue is full ({@code maxQueue} in all, at most {@code maxBatchQueue} of them batch,
 * and a full queue makes room for an interactive request by evicting its newest batch waiter); or
 * its wait budget is already spent, or the queue ahead of it would take longer than that budget:
 * {@code (ahead + 1) * srtt / limit}, the time for that many slot hand-offs at the recent mean
 * service time {@code srtt}. The wait budget is {@code min(maxQueueWait, deadlineRemaining - reserve)}
 * with {@code reserve = srtt + 4 * rttvar}: a request admitted at the end of its budget still has
 * time for a slow service before its deadline. A
 * queued request that has not got a slot when its budget runs out leaves with
 * {@link ShedReason#QUEUE_TIMEOUT}. Releasing a permit hands the slot straight to the first waiter,
 * so a waiter exists only while all {@code limit} slots are held and no arrival can overtake it.
 *
 * <p>Ticket states (every transition under {@link #lock}):
 * <pre>
 *   enter ─┬─ free slot ──────────────────────────────▶ GRANTED
 *          ├─ full / over budget ─────────────────────▶ SHED
 *          └─ queued: WAITING ─┬─ release hands slot ─▶ GRANTED
 *                              ├─ budget runs out ────▶ SHED (QUEUE_TIMEOUT, by the waiter)
 *                              ├─ interactive arrives ▶ SHED (EVICTED, batch only)
 *                              └─ cancel / interrupt ─▶ SHED (CANCELLED)
 * </pre>
 * A ticket is in a queue iff it is WAITING. Waiting threads block on their own {@link Condition}
 * of {@link #lock}; each transition out of WAITING signals it, so no wake-up is lost.
 *
 * <p>{@code srtt} and {@code rttvar} are TCP's retransmission-timeout estimator (RFC 6298) applied
 * to service times, with its constants: {@code rttvar += (|srtt - r| - rttvar) / 4}, then
 * {@code srtt += (r - srtt) / 8}, and a margin of four deviations. The mean follows a change within
 * about ten completions while one slow request moves it by an eighth; the deviation term keeps the
 * reserve above most service times even when they vary widely (a busy shared machine). Until the
 * first completion both are 0: nothing is shed early and nothing is reserved.
 *
 * <p>Thread-safety: all mutable state is guarded by {@link #lock}; there is no other lock, so no
 * lock order. The {@code *View} fields are volatile copies written under the lock at the end of
 * every change and read without it by the metrics gauges. The injected clock measures service
 * times and budgets; the blocking wait itself is timed by {@link Condition#awaitNanos}, so a
 * gate whose clock is not {@link System#nanoTime()} must only be used without waiting.
 */
public final class ConcurrencyGate {
    static final double SRTT_GAIN = 1.0 / 8;
    static final double RTTVAR_GAIN = 1.0 / 4;
    static final int RESERVE_DEVIATIONS = 4;

    /** Where a ticket is in its life; see the class comment for the transitions. */
    public enum State { WAITING, GRANTED, SHED }

    /** One request's claim on a slot. Thread-safety: fields other than the finals are guarded by the gate's lock. */
    public final class Ticket {
        private final Priority priority;
        private final long enteredAtNanos;
        private final long giveUpAtNanos;
        private final Condition changed = lock.newCondition();
        private State state = State.WAITING;
        private Decision decision;

        private Ticket(Priority priority, long enteredAtNanos, long waitBudgetNanos) {
            this.priority = priority;
            this.enteredAtNanos = enteredAtNanos;
            this.giveUpAtNanos = enteredAtNanos + Math.max(0, waitBudgetNanos);
        }

        public Priority priority() {
            return priority;
        }

        public State state() {
            lock.lock();
            try {
                return state;
            } finally {
                lock.unlock();
            }
        }

        /** The outcome, or null while WAITING. */
        public Decision decision() {
            lock.lock();
            try {
                return decision;
            } finally {
                lock.unlock();
            }
        }
    }

    private final int limit;
    private final int maxQueue;
    private final int maxBatchQueue;
    private final long maxQueueWaitNanos;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final Deque<Ticket> interactive = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private final Deque<Ticket> batch = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private int inFlight;
    /** Guarded by {@link #lock}; mean service time in nanoseconds, 0 until the first completion. */
    private double srttNanos;
    /** Guarded by {@link #lock}; mean deviation of the service time in nanoseconds. */
    private double rttvarNanos;

    private volatile int inFlightView;
    private volatile int interactiveQueuedView;
    private volatile int batchQueuedView;
    private volatile long serviceEwmaView;
    private volatile long reserveView;

    public ConcurrencyGate(int limit, int maxQueue, int maxBatchQueue, long maxQueueWaitNanos, LongSupplier nanoTime) {
        if (limit < 1) {
            throw new IllegalArgumentException("concurrency limit must be at least 1");
        }
        if (maxQueue < 0 || maxBatchQueue < 0 || maxBatchQueue > maxQueue) {
            throw new IllegalArgumentException("need 0 <= max batch queue <= max queue, got " + maxBatchQueue + " and " + maxQueue);
        }
        if (maxQueueWaitNanos < 0) {
            throw new IllegalArgumentException("max queue wait must not be negative");
        }
        this.limit = limit;
        this.maxQueue = maxQueue;
        this.maxBatchQueue = maxBatchQueue;
        this.maxQueueWaitNanos = maxQueueWaitNanos;
        this.nanoTime = nanoTime;
    }

    /**
     * Admits, queues, or refuses at once, without blocking.
     *
     * @param deadlineRemainingNanos time left before the caller's deadline; {@link Long#MAX_VALUE} if none
     * @return a ticket that is GRANTED, SHED, or WAITING (then {@link #await} it, or {@link #cancel} it)
     */
    public Ticket enter(Priority priority, long deadlineRemainingNanos) {
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            if (inFlight < limit) {
                Ticket t = new Ticket(priority, now, 0);
                inFlight++;
                grant(t, now);
                return t;
            }
            long reserve = reserve();
            long budget = Math.min(maxQueueWaitNanos, deadlineRemainingNanos - reserve);
            Ticket t = new Ticket(priority, now, budget);
            int total = interactive.size() + batch.size();
            int ahead = priority == Priority.INTERACTIVE ? interactive.size() : total;
            long expectedWait = drainNanos(ahead + 1);
            if (priority == Priority.BATCH && (batch.size() >= maxBatchQueue || total >= maxQueue)) {
                shed(t, ShedReason.QUEUE_FULL, drainNanos(total + 1), batch.size() >= maxBatchQueue && total < maxQueue
                        ? "the coordinator is at its concurrency limit and its batch queue is full (" + maxBatchQueue + " waiting)"
                        : "the coordinator is at its concurrency limit and its wait queue is full (" + maxQueue + " waiting)");
            } else if (priority == Priority.INTERACTIVE && total >= maxQueue && (batch.isEmpty() || maxQueue == 0)) {
                shed(t, ShedReason.QUEUE_FULL, drainNanos(total + 1),
                        "the coordinator is at its concurrency limit and its wait queue is full (" + maxQueue + " waiting)");
            } else if (budget <= 0) {
                shed(t, ShedReason.WAIT_EXCEEDS_BUDGET, expectedWait, deadlineRemainingNanos == Long.MAX_VALUE || maxQueueWaitNanos == 0
                        ? "the coordinator is at its concurrency limit and queueing is off"
                        : "the coordinator is at its concurrency limit and the deadline leaves no time to wait (" + millis(deadlineRemainingNanos)
                                + " ms left, " + millis(reserve) + " ms needed to serve it)");
            } else if (expectedWait > budget) {
                shed(t, ShedReason.WAIT_EXCEEDS_BUDGET, expectedWait, "the coordinator is at its concurrency limit and the " + ahead
                        + " requests queued ahead would take about " + millis(expectedWait) + " ms, more than this request's "
                        + millis(budget) + " ms wait budget");
            } else {
                if (priority == Priority.INTERACTIVE && total >= maxQueue) { // make room: evict the newest batch waiter
                    Ticket out = batch.pollLast();
                    shed(out, ShedReason.EVICTED, drainNanos(total), "a batch request waiting for the coordinator's concurrency limit "
                            + "was pushed out of the full queue by an interactive one");
                }
                (priority == Priority.INTERACTIVE ? interactive : batch).addLast(t);
            }
            return t;
        } finally {
            publishViews();
            lock.unlock();
        }
    }

    /**
     * Blocks until the ticket leaves WAITING: granted, or shed when its budget runs out, it is
     * evicted, cancelled, or this thread is interrupted (the interrupt status is kept).
     */
    public Decision await(Ticket t) {
        lock.lock();
        try {
            boolean interrupted = false;
            while (t.state == State.WAITING) {
                long left = t.giveUpAtNanos - nanoTime.getAsLong();
                if (left <= 0) {
                    dequeue(t);
                    shed(t, ShedReason.QUEUE_TIMEOUT, drainNanos(interactive.size() + batch.size() + 1), "no slot under the coordinator's "
                            + "concurrency limit came free within the wait budget of " + millis(t.giveUpAtNanos - t.enteredAtNanos) + " ms");
                    break;
                }
                try {
                    t.changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (t.state == State.WAITING) {
                        dequeue(t);
                        shed(t, ShedReason.CANCELLED, 0, "interrupted while waiting for a slot");
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return t.decision;
        } finally {
            publishViews();
            lock.unlock();
        }
    }

    /** Takes a WAITING ticket out of the queue as CANCELLED; does nothing to a granted or shed one. */
    public void cancel(Ticket t) {
        lock.lock();
        try {
            if (t.state == State.WAITING) {
                dequeue(t);
                shed(t, ShedReason.CANCELLED, 0, "the caller cancelled while waiting for a slot");
            }
        } finally {
            publishViews();
            lock.unlock();
        }
    }

    /** Gives a slot back: to the first waiter (interactive before batch), else to the pool. */
    void release(Permit p) {
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            double r = Math.max(0, now - p.grantedAtNanos());
            if (srttNanos == 0) {
                srttNanos = r;
                rttvarNanos = r / 2;
            } else {
                rttvarNanos += RTTVAR_GAIN * (Math.abs(srttNanos - r) - rttvarNanos);
                srttNanos += SRTT_GAIN * (r - srttNanos);
            }
            Ticket next = interactive.pollFirst();
            if (next == null) {
                next = batch.pollFirst();
            }
            if (next != null) {
                grant(next, now); // the slot passes on; inFlight stays
            } else {
                inFlight--;
            }
        } finally {
            publishViews();
            lock.unlock();
        }
    }

    public int limit() {
        return limit;
    }

    public int maxQueue() {
        return maxQueue;
    }

    public int inFlight() {
        return inFlightView;
    }

    public int queued(Priority p) {
        return p == Priority.INTERACTIVE ? interactiveQueuedView : batchQueuedView;
    }

    /** The recent mean service time ({@code srtt}), 0 before the first completion. */
    public long serviceEwmaNanos() {
        return serviceEwmaView;
    }

    /** What a request's deadline must leave for its service ({@code srtt + 4 rttvar}). */
    public long reserveNanos() {
        return reserveView;
    }

    // --- under lock ---

    private void grant(Ticket t, long now) {
        t.state = State.GRANTED;
        t.decision = new Decision.Admitted(new Permit(this, t.priority, now, now - t.enteredAtNanos));
        t.changed.signal();
    }

    private void shed(Ticket t, ShedReason reason, long retryAfterNanos, String detail) {
        t.state = State.SHED;
        t.decision = new Decision.Shed(reason, retryAfterNanos, detail);
        t.changed.signal();
    }

    private void dequeue(Ticket t) {
        (t.priority == Priority.INTERACTIVE ? interactive : batch).remove(t);
    }

    /** Expected time until {@code handoffs} slots have been handed on, at the recent service time. */
    private long drainNanos(int handoffs) {
        return (long) (handoffs * srttNanos / limit);
    }

    private long reserve() {
        return (long) (srttNanos + RESERVE_DEVIATIONS * rttvarNanos);
    }

    private void publishViews() {
        inFlightView = inFlight;
        interactiveQueuedView = interactive.size();
        batchQueuedView = batch.size();
        serviceEwmaView = (long) srttNanos;
        reserveView = reserve();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
