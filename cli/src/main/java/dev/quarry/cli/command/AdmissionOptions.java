package dev.quarry.cli.command;

import dev.quarry.coordinator.admission.AdmissionConfig;
import dev.quarry.coordinator.admission.RateLimit;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The coordinator's admission-control flags (a picocli mixin of every command that runs a
 * coordinator). Each flag has an environment variable of the same key; unset means the default
 * documented on {@link AdmissionConfig}.
 */
public final class AdmissionOptions {
    @Option(names = "--admission-max-concurrent", paramLabel = "N", defaultValue = "${env:QUARRY_ADMISSION_MAX_CONCURRENT}",
            description = "searches/gets the coordinator runs at once (env QUARRY_ADMISSION_MAX_CONCURRENT; default max(64, 16 x cores))")
    Integer maxConcurrent;

    @Option(names = "--admission-max-queue", paramLabel = "N", defaultValue = "${env:QUARRY_ADMISSION_MAX_QUEUE}",
            description = "requests that may wait for a slot (env QUARRY_ADMISSION_MAX_QUEUE; default 2 x max concurrent)")
    Integer maxQueue;

    @Option(names = "--admission-max-batch-queue", paramLabel = "N", defaultValue = "${env:QUARRY_ADMISSION_MAX_BATCH_QUEUE}",
            description = "of those, how many may be batch (env QUARRY_ADMISSION_MAX_BATCH_QUEUE; default max queue / 4)")
    Integer maxBatchQueue;

    @Option(names = "--admission-max-queue-wait-ms", paramLabel = "MS", defaultValue = "${env:QUARRY_ADMISSION_MAX_QUEUE_WAIT_MS}",
            description = "longest wait for a slot, also when the client's deadline is longer (env QUARRY_ADMISSION_MAX_QUEUE_WAIT_MS; default 1000)")
    Long maxQueueWaitMs;

    @Option(names = "--default-client-rate", paramLabel = "RPS[:BURST]", defaultValue = "${env:QUARRY_DEFAULT_CLIENT_RATE}",
            description = "token bucket of each client (header quarry-client) without its own rate; 0 = unlimited (env QUARRY_DEFAULT_CLIENT_RATE; default 0)")
    String defaultClientRate;

    @Option(names = "--client-rate", paramLabel = "NAME=RPS[:BURST]", split = ",", defaultValue = "${env:QUARRY_CLIENT_RATES}",
            description = "a client's own token bucket, repeatable or comma-separated (env QUARRY_CLIENT_RATES)")
    List<String> clientRates;

    /** The settings, validated (a bad value fails the command with its reason). */
    public AdmissionConfig toConfig() {
        AdmissionConfig.Builder b = AdmissionConfig.builder();
        if (maxConcurrent != null) b.maxConcurrent(maxConcurrent);
        if (maxQueue != null) b.maxQueue(maxQueue);
        if (maxBatchQueue != null) b.maxBatchQueue(maxBatchQueue);
        if (maxQueueWaitMs != null) b.maxQueueWait(Duration.ofMillis(maxQueueWaitMs));
        if (defaultClientRate != null && !defaultClientRate.isBlank()) b.defaultClientRate(RateLimit.parse(defaultClientRate));
        if (clientRates != null) {
            Map<String, RateLimit> rates = new LinkedHashMap<>();
            for (String spec : clientRates) {
                if (!spec.isBlank()) AdmissionConfig.parseClientRate(spec, rates);
            }
            rates.forEach(b::clientRate);
        }
        return b.build();
    }
}
