package dev.quarry.coordinator.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The admission meters (Prometheus names after Micrometer's renaming in brackets):
 * <ul>
 *   <li>{@code quarry.coordinator.admission.shed} [{@code _shed_total}] — refused requests, by {@code reason}
 *       ({@link ShedReason#tag()}) and {@code priority}; every pair is registered up front so a scrape shows zeros;</li>
 *   <li>{@code quarry.coordinator.admission.admitted} [{@code _admitted_total}] — by {@code priority};</li>
 *   <li>{@code quarry.coordinator.admission.queue.wait} [{@code _queue_wait_seconds}] — wait of admitted requests, by {@code priority};</li>
 *   <li>{@code quarry.coordinator.admission.queue.depth} — requests waiting now, by {@code priority};</li>
 *   <li>{@code quarry.coordinator.admission.inflight} and {@code ...limit} — slots held now, and their number;</li>
 *   <li>{@code quarry.coordinator.admission.service.ewma} [{@code _seconds}] — the mean service time the wait estimate uses,
 *       and {@code ...service.reserve} what a deadline must leave for the service;</li>
 *   <li>{@code quarry.coordinator.admission.clients} — token buckets held.</li>
 * </ul>
 * No meter is tagged by client: client ids come from callers and would make the cardinality unbounded.
 * Thread-safety: Micrometer meters are thread-safe; the maps are filled in the constructor only.
 */
final class AdmissionMetrics {
    private final Map<ShedReason, Map<Priority, Counter>> shed = new EnumMap<>(ShedReason.class);
    private final Map<Priority, Counter> admitted = new EnumMap<>(Priority.class);
    private final Map<Priority, Timer> wait = new EnumMap<>(Priority.class);

    AdmissionMetrics(MeterRegistry registry, ConcurrencyGate gate, ClientRateLimiter rates) {
        for (ShedReason r : ShedReason.values()) {
            Map<Priority, Counter> byPriority = new EnumMap<>(Priority.class);
            for (Priority p : Priority.values()) {
                byPriority.put(p, Counter.builder("quarry.coordinator.admission.shed")
                        .description("requests refused by admission control").tag("reason", r.tag()).tag("priority", p.tag()).register(registry));
            }
            shed.put(r, byPriority);
        }
        for (Priority p : Priority.values()) {
            admitted.put(p, Counter.builder("quarry.coordinator.admission.admitted").description("requests admitted")
                    .tag("priority", p.tag()).register(registry));
            wait.put(p, Timer.builder("quarry.coordinator.admission.queue.wait").description("time admitted requests waited for a slot")
                    .tag("priority", p.tag()).register(registry));
            Gauge.builder("quarry.coordinator.admission.queue.depth", gate, g -> g.queued(p)).description("requests waiting for a slot")
                    .tag("priority", p.tag()).register(registry);
        }
        Gauge.builder("quarry.coordinator.admission.inflight", gate, ConcurrencyGate::inFlight).description("slots held").register(registry);
        Gauge.builder("quarry.coordinator.admission.limit", gate, ConcurrencyGate::limit).description("slots in all").register(registry);
        Gauge.builder("quarry.coordinator.admission.service.ewma", gate, g -> g.serviceEwmaNanos() / 1e9).baseUnit("seconds")
                .description("recent service time used to estimate queue waits").register(registry);
        Gauge.builder("quarry.coordinator.admission.service.reserve", gate, g -> g.reserveNanos() / 1e9).baseUnit("seconds")
                .description("time a deadline must leave for the service (srtt + 4 rttvar)").register(registry);
        Gauge.builder("quarry.coordinator.admission.clients", rates, ClientRateLimiter::trackedClients)
                .description("client token buckets held").register(registry);
    }

    void shed(ShedReason reason, Priority priority) {
        shed.get(reason).get(priority).increment();
    }

    void admitted(Priority priority, long waitedNanos) {
        admitted.get(priority).increment();
        wait.get(priority).record(waitedNanos, TimeUnit.NANOSECONDS);
    }
}
