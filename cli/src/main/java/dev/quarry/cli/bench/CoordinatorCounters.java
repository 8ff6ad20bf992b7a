package dev.quarry.cli.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The coordinator's counters that tell what answered a benchmark's searches (result cache hits and
 * misses, fan-out rounds, hedges), its process's CPU and its JIT compilers' time, read from its
 * Prometheus endpoint before and after the measured runs. Thread-safety: stateless.
 */
public final class CoordinatorCounters {
    static final String CACHE_HIT = "quarry_search_cache_requests_total{result=\"hit\"}";
    static final String CACHE_MISS = "quarry_search_cache_requests_total{result=\"miss\"}";
    static final String FAN_OUTS = "quarry_coordinator_fanouts_total";
    static final String HEDGES = "quarry_coordinator_hedges_sent_total";
    /** The CPU of the whole process behind the endpoint (in {@code quarry dev}: every service). */
    static final String PROCESS_CPU = "process_cpu_time_ns_total";
    /** The time the process's JIT compilers spent compiling, in ms (the series has a {@code compiler} label: summed over it). */
    static final String JIT_MS = "jvm_compilation_time_ms_total";

    private CoordinatorCounters() {}

    /** The counters, or an empty map when the endpoint does not answer. */
    public static Map<String, Double> read(String url) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body()) : Map.of();
        } catch (Exception e) {
            return Map.of();
        }
    }

    static Map<String, Double> parse(String prometheusText) {
        Map<String, Double> out = new HashMap<>();
        for (String line : prometheusText.split("\n")) {
            for (String name : new String[] {CACHE_HIT, CACHE_MISS, FAN_OUTS, HEDGES, PROCESS_CPU}) {
                if (line.startsWith(name + " ")) {
                    out.put(name, Double.parseDouble(line.substring(name.length() + 1).trim()));
                }
            }
            if (line.startsWith(JIT_MS + "{") || line.startsWith(JIT_MS + " ")) {
                out.merge(JIT_MS, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        return out;
    }

    /** One line on what answered the {@code searches} measured between the two readings. */
    public static String describe(Map<String, Double> before, Map<String, Double> after, int searches) {
        if (before.isEmpty() || after.isEmpty()) {
            return "coordinator counters: metrics endpoint not reachable (see --metrics-url)";
        }
        return String.format("coordinator counters over the %,d measured searches: result cache %.0f hits / %.0f misses, "
                        + "%.0f fan-out rounds (%.2f per search), %.0f hedges",
                searches, delta(before, after, CACHE_HIT), delta(before, after, CACHE_MISS), delta(before, after, FAN_OUTS),
                delta(before, after, FAN_OUTS) / searches, delta(before, after, HEDGES));
    }

    /** The CPU milliseconds per operation the endpoint's process used between the readings, NaN when unknown. */
    public static double cpuMsPerOp(Map<String, Double> before, Map<String, Double> after, int ops) {
        if (!before.containsKey(PROCESS_CPU) || !after.containsKey(PROCESS_CPU)) {
            return Double.NaN;
        }
        return delta(before, after, PROCESS_CPU) / 1e6 / ops;
    }

    /** The ms the endpoint's process spent compiling between the readings (summed over its compiler threads), NaN when unknown. */
    public static double jitMs(Map<String, Double> before, Map<String, Double> after) {
        if (!before.containsKey(JIT_MS) || !after.containsKey(JIT_MS)) {
            return Double.NaN;
        }
        return delta(before, after, JIT_MS);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }
}
