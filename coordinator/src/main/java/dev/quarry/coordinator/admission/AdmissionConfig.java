package dev.quarry.coordinator.admission;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Admission-control settings of a coordinator (flags of {@code quarry dev}; see the README).
 * The defaults are meant not to bind in development and small deployments; set them from a load
 * test of your own cluster (the overload IT shows how) before relying on them to protect it.
 *
 * @param maxConcurrent     searches/gets running at once; default {@code max(64, 16 × cores)}: the coordinator mostly waits
 *                          on shards, and more than this in flight only moves the queue into the shards, where it has no priority
 * @param maxQueue          requests that may wait for a slot; default {@code 2 × maxConcurrent} (about two service times of work:
 *                          a longer queue only holds requests the wait estimate would refuse anyway)
 * @param maxBatchQueue     how many of those may be batch; default {@code maxQueue / 4}, so batch cannot crowd out interactive
 * @param maxQueueWait      longest wait for a slot when the client's deadline allows more (or it sent none); default 1 s
 * @param defaultClientRate token bucket of every client not named in {@code clientRates}; default unlimited
 * @param clientRates       per-client token buckets, by {@code quarry-client} header value
 * @param maxClients        buckets kept at most (memory bound against many client ids); default 100,000 (~20 MB)
 */
public record AdmissionConfig(int maxConcurrent, int maxQueue, int maxBatchQueue, Duration maxQueueWait, RateLimit defaultClientRate,
                              Map<String, RateLimit> clientRates, int maxClients) {
    public static final Duration MAX_QUEUE_WAIT_CAP = Duration.ofMinutes(1);
    public static final int MAX_CLIENT_ID_LENGTH = 128;

    public AdmissionConfig {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("admission max concurrent must be at least 1, not " + maxConcurrent);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("admission max queue must not be negative, not " + maxQueue);
        }
        if (maxBatchQueue < 0 || maxBatchQueue > maxQueue) {
            throw new IllegalArgumentException("admission max batch queue must be between 0 and max queue (" + maxQueue + "), not " + maxBatchQueue);
        }
        if (maxQueueWait.isNegative() || maxQueueWait.compareTo(MAX_QUEUE_WAIT_CAP) > 0) {
            throw new IllegalArgumentException("admission max queue wait must be between 0 and " + MAX_QUEUE_WAIT_CAP.toSeconds() + " s, not " + maxQueueWait);
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("admission max clients must be at least 1");
        }
        clientRates = Map.copyOf(clientRates);
        for (String client : clientRates.keySet()) {
            if (client.isBlank() || client.length() > MAX_CLIENT_ID_LENGTH) {
                throw new IllegalArgumentException("client id must be 1.." + MAX_CLIENT_ID_LENGTH + " characters: '" + client + "'");
            }
        }
    }

    public static AdmissionConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Parses {@code NAME=RPS} or {@code NAME=RPS:BURST} (the {@code --client-rate} flag) into {@code into}. */
    public static void parseClientRate(String spec, Map<String, RateLimit> into) {
        int eq = spec.lastIndexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("client rate must be NAME=RPS or NAME=RPS:BURST, not '" + spec + "'");
        }
        into.put(spec.substring(0, eq).strip(), RateLimit.parse(spec.substring(eq + 1)));
    }

    /** Fluent set-up; unset sizes follow from {@code maxConcurrent} as documented on the record. */
    public static final class Builder {
        private int maxConcurrent = Math.max(64, 16 * Runtime.getRuntime().availableProcessors());
        private Integer maxQueue;
        private Integer maxBatchQueue;
        private Duration maxQueueWait = Duration.ofSeconds(1);
        private RateLimit defaultClientRate = RateLimit.UNLIMITED;
        private final Map<String, RateLimit> clientRates = new LinkedHashMap<>();
        private int maxClients = 100_000;

        public Builder maxConcurrent(int n) {
            this.maxConcurrent = n;
            return this;
        }

        public Builder maxQueue(int n) {
            this.maxQueue = n;
            return this;
        }

        public Builder maxBatchQueue(int n) {
            this.maxBatchQueue = n;
            return this;
        }

        public Builder maxQueueWait(Duration d) {
            this.maxQueueWait = d;
            return this;
        }

        public Builder defaultClientRate(RateLimit r) {
            this.defaultClientRate = r;
            return this;
        }

        public Builder clientRate(String client, RateLimit r) {
            clientRates.put(client, r);
            return this;
        }

        public Builder maxClients(int n) {
            this.maxClients = n;
            return this;
        }

        public AdmissionConfig build() {
            int q = maxQueue != null ? maxQueue : 2 * maxConcurrent;
            int bq = maxBatchQueue != null ? maxBatchQueue : q / 4;
            return new AdmissionConfig(maxConcurrent, q, bq, maxQueueWait, defaultClientRate, clientRates, maxClients);
        }
    }
}
