package dev.quarry.coordinator.select;

/**
 * What this coordinator knows about one replica (node, index, shard): EWMAs of its response time
 * (measured here) and service time and queue size (reported by the shard), this coordinator's
 * outstanding requests to it, the newest searcher version it answered from, and a circuit breaker.
 * Thread-safety: all methods synchronize on the instance; the critical sections are a few arithmetic
 * operations.
 */
public final class ReplicaStats {
    /** Weight of a new sample in the moving averages. */
    static final double ALPHA = 0.25;

    /** The breaker's states: closed (normal), open (skipped until {@code openUntil}), half-open (one probe allowed). */
    enum Breaker { CLOSED, OPEN, HALF_OPEN }

    private final BreakerPolicy policy;
    private double responseMicros;
    private double serviceMicros;
    private double queue;
    private long samples;
    private long lastSampleNanos;
    private int outstanding;
    private long searcherVersion;
    private long newestUntilNanos;
    private Breaker breaker = Breaker.CLOSED;
    private int consecutiveFailures;
    private long openUntilNanos;
    private long openForNanos;
    private long lastShadowNanos;
    private boolean shadowed;

    public ReplicaStats(BreakerPolicy policy) {
        this.policy = policy;
    }

    public synchronized void started() {
        outstanding++;
    }

    /** A successful query answer: response time measured here, service time and queue size reported by the shard. */
    public synchronized void succeeded(long responseMicros, long serviceMicros, int queueSize, long nowNanos) {
        outstanding = Math.max(0, outstanding - 1);
        if (samples == 0) {
            this.responseMicros = responseMicros;
            this.serviceMicros = serviceMicros;
            this.queue = queueSize;
        } else {
            this.responseMicros += ALPHA * (responseMicros - this.responseMicros);
            this.serviceMicros += ALPHA * (serviceMicros - this.serviceMicros);
            this.queue += ALPHA * (queueSize - this.queue);
        }
        samples++;
        lastSampleNanos = nowNanos;
        healthy();
    }

    /**
     * A successful answer whose cost says nothing about the replica's queries (a statistics call):
     * the replica is healthy, its ranking statistics stay as they are.
     */
    public synchronized void succeededUnmeasured() {
        outstanding = Math.max(0, outstanding - 1);
        healthy();
    }

    private void healthy() {
        consecutiveFailures = 0;
        breaker = Breaker.CLOSED;
        openForNanos = 0;
    }

    /**
     * An answer came from searcher {@code version}, which stays the replica's newest at least until
     * {@code newestUntilNanos} (the shard's promise, counted from when the call was sent; no later than
     * the time of the answer when it promised nothing).
     */
    public synchronized void searcherRead(long version, long newestUntilNanos) {
        if (version != 0) {
            this.searcherVersion = version;
            this.newestUntilNanos = newestUntilNanos;
        }
    }

    /**
     * The request was abandoned (another replica's answer won) after {@code elapsedMicros}: a lower
     * bound of its response time, so a replica that keeps losing hedges is ranked down.
     */
    public synchronized void abandoned(long elapsedMicros, long nowNanos) {
        outstanding = Math.max(0, outstanding - 1);
        if (elapsedMicros > responseMicros) {
            responseMicros = samples == 0 ? elapsedMicros : responseMicros + ALPHA * (elapsedMicros - responseMicros);
            samples++;
            lastSampleNanos = nowNanos;
        }
    }

    /** A failure that says the replica is unhealthy (unavailable, internal error, its own timeout). */
    public synchronized void failed(long nowNanos) {
        outstanding = Math.max(0, outstanding - 1);
        consecutiveFailures++;
        if (breaker == Breaker.HALF_OPEN || consecutiveFailures >= policy.failureThreshold()) {
            openForNanos = openForNanos == 0 ? policy.openNanos() : Math.min(policy.maxOpenNanos(), openForNanos * 2);
            breaker = Breaker.OPEN;
            openUntilNanos = nowNanos + openForNanos;
        }
    }

    /** A failure that is not the replica's fault (bad query, the client's deadline, a stale pin). */
    public synchronized void finishedNeutral() {
        outstanding = Math.max(0, outstanding - 1);
    }

    /** True when the breaker lets ordinary requests through. */
    public synchronized boolean available(long nowNanos) {
        return breaker == Breaker.CLOSED;
    }

    /**
     * True (once per probe interval) when this replica should get a shadow copy of a request: its
     * breaker is open past its cool-down (the half-open probe), or it is still warming up, or its
     * statistics are stale because it has not been chosen for a while.
     */
    public synchronized boolean claimShadow(long nowNanos) {
        if (shadowed && nowNanos - lastShadowNanos < policy.shadowIntervalNanos()) {
            return false;
        }
        boolean probe = breaker == Breaker.OPEN && nowNanos >= openUntilNanos;
        boolean cold = samples < policy.warmupSamples() || nowNanos - lastSampleNanos > policy.staleNanos();
        if (breaker == Breaker.HALF_OPEN || (!probe && breaker == Breaker.OPEN) || !(probe || cold)) {
            return false;
        }
        if (probe) {
            breaker = Breaker.HALF_OPEN;
        }
        lastShadowNanos = nowNanos;
        shadowed = true;
        return true;
    }

    public synchronized boolean warm() {
        return samples >= policy.warmupSamples();
    }

    /**
     * C3's score (lower is better): {@code R - 1/mu + qhat^3 / mu}, with R the response-time EWMA,
     * 1/mu the service-time EWMA, and {@code qhat = 1 + outstanding * coordinators + queue}.
     */
    public synchronized double score(int coordinators) {
        double qhat = 1 + (double) outstanding * coordinators + queue;
        return responseMicros - serviceMicros + qhat * qhat * qhat * serviceMicros;
    }

    /**
     * The searcher version to pin on this replica without asking it first (to reuse statistics cached
     * for it): the one it last answered from, if the replica's promise that it stays its newest lasts
     * until a call sent now has arrived (its response-time average from now); else 0.
     */
    public synchronized long pinnableVersion(long nowNanos) {
        return searcherVersion != 0 && nowNanos + (long) (responseMicros * 1000) - newestUntilNanos < 0 ? searcherVersion : 0;
    }

    synchronized Breaker breaker() {
        return breaker;
    }

    public synchronized int outstanding() {
        return outstanding;
    }

    public synchronized double responseMicros() {
        return responseMicros;
    }
}
