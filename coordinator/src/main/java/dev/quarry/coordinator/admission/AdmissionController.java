package dev.quarry.coordinator.admission;

import dev.quarry.coordinator.error.CoordinatorException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Admission control of the read path: the client's token bucket first (cheap, refuses a client
 * over its own rate whatever the load), then the global {@link ConcurrencyGate}. A request that
 * passes holds a {@link Permit} until it completes; one that does not is refused at once, or at
 * the end of its wait budget, never queued without bound. The refusal becomes
 * {@code RESOURCE_EXHAUSTED} with a retry hint ({@link #refusal}).
 *
 * <p>A request refused by the gate has still spent its token: the bucket meters what a client
 * sends, not what it gets, so a client cannot dodge its rate by arriving while the cluster is busy.
 * Thread-safety: stateless itself; the gate, the buckets and the meters are thread-safe.
 */
public final class AdmissionController {
    /** Client id of requests without a {@code quarry-client} header. */
    public static final String ANONYMOUS = "anonymous";

    private final ClientRateLimiter rates;
    private final ConcurrencyGate gate;
    private final AdmissionMetrics metrics;

    public AdmissionController(AdmissionConfig config, MeterRegistry registry) {
        this(config, registry, System::nanoTime);
    }

    /** With an injected clock (tests); see {@link ConcurrencyGate} on clocks and waiting. */
    AdmissionController(AdmissionConfig config, MeterRegistry registry, LongSupplier nanoTime) {
        this.rates = new ClientRateLimiter(config.defaultClientRate(), config.clientRates(), config.maxClients(), nanoTime);
        this.gate = new ConcurrencyGate(config.maxConcurrent(), config.maxQueue(), config.maxBatchQueue(),
                config.maxQueueWait().toNanos(), nanoTime);
        this.metrics = new AdmissionMetrics(registry, gate, rates);
    }

    /**
     * Admits or refuses one request, waiting at most its budget (see {@link ConcurrencyGate}).
     *
     * @param deadlineRemainingNanos time left before the caller's deadline, {@link Long#MAX_VALUE} if it set none
     * @param cancel                 how to learn that the caller went away while waiting
     */
    public Decision admit(String client, Priority priority, long deadlineRemainingNanos, CancelHook cancel) {
        long tokenWait = rates.tryTake(client);
        if (tokenWait > 0) {
            RateLimit r = rates.limitOf(client);
            metrics.shed(ShedReason.RATE_LIMITED, priority);
            return new Decision.Shed(ShedReason.RATE_LIMITED, tokenWait, "client '" + client + "' is over its rate of "
                    + fmt(r.perSecond()) + " requests/s (burst " + fmt(r.burst()) + ")");
        }
        ConcurrencyGate.Ticket t = gate.enter(priority, deadlineRemainingNanos);
        Decision d;
        if (t.state() == ConcurrencyGate.State.WAITING) {
            Runnable unregister = cancel.register(() -> gate.cancel(t));
            try {
                d = gate.await(t);
            } finally {
                unregister.run();
            }
        } else {
            d = t.decision();
        }
        switch (d) {
            case Decision.Admitted a -> metrics.admitted(priority, a.permit().waitedNanos());
            case Decision.Shed s -> metrics.shed(s.reason(), priority);
        }
        return d;
    }

    /** The caller-facing error of a refusal: RESOURCE_EXHAUSTED, the reason, and the retry hint. */
    public static CoordinatorException refusal(Decision.Shed shed) {
        return CoordinatorException.resourceExhausted("request shed by admission control (" + shed.reason().tag() + "): "
                + shed.detail() + "; retry in about " + shed.retryAfterMillis() + " ms", Duration.ofMillis(shed.retryAfterMillis()));
    }

    /** The client id of a {@code quarry-client} header value: absent or blank is {@link #ANONYMOUS}. */
    public static String clientFromHeader(String header) {
        if (header == null || header.isBlank()) {
            return ANONYMOUS;
        }
        String c = header.strip();
        if (c.length() > AdmissionConfig.MAX_CLIENT_ID_LENGTH) {
            throw CoordinatorException.invalid("header quarry-client must be at most " + AdmissionConfig.MAX_CLIENT_ID_LENGTH + " characters");
        }
        return c;
    }

    public ConcurrencyGate gate() {
        return gate;
    }

    public ClientRateLimiter rates() {
        return rates;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
