package dev.quarry.coordinator.admission;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One of the gate's concurrency slots, held while a request runs. {@link #close()} gives it back
 * (to the first waiter, if any); only the first call counts, so every exit path may close it.
 * Thread-safety: may be closed from any thread, any number of times.
 */
public final class Permit implements AutoCloseable {
    private final ConcurrencyGate gate;
    private final Priority priority;
    private final long grantedAtNanos;
    private final long waitedNanos;
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(ConcurrencyGate gate, Priority priority, long grantedAtNanos, long waitedNanos) {
        this.gate = gate;
        this.priority = priority;
        this.grantedAtNanos = grantedAtNanos;
        this.waitedNanos = waitedNanos;
    }

    public Priority priority() {
        return priority;
    }

    /** How long the request waited in the queue before it got this permit (0 if a slot was free). */
    public long waitedNanos() {
        return waitedNanos;
    }

    long grantedAtNanos() {
        return grantedAtNanos;
    }

    public boolean isReleased() {
        return released.get();
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            gate.release(this);
        }
    }
}
