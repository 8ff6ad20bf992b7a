package dev.quarry.cli.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One read of a role's Prometheus {@code /metrics}: sample name with its labels (as written, e.g.
 * {@code quarry_coordinator_replica_calls_total{index="packages",node="shard-1",shard="0"}}) to value.
 * Thread-safety: immutable.
 */
record PrometheusScrape(Map<String, Double> samples) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static PrometheusScrape of(String host, int port) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return parse(body);
        } catch (IOException e) {
            return new PrometheusScrape(Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PrometheusScrape(Map.of());
        }
    }

    static PrometheusScrape parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                out.put(line.substring(0, sp).strip(), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                // not a sample line
            }
        }
        return new PrometheusScrape(Map.copyOf(out));
    }

    /** The sum of every sample named {@code name} whose labels contain all of {@code labels} ({@code key="value"}). */
    double sum(String name, String... labels) {
        double total = 0;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String k = e.getKey();
            if (!(k.equals(name) || k.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= k.contains(l);
            }
            if (all) {
                total += e.getValue();
            }
        }
        return total;
    }
}
