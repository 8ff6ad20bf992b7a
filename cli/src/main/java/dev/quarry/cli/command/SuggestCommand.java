package dev.quarry.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.ingest.json.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "suggest", mixinStandardHelpOptions = true, description = "Print typeahead suggestions for a prefix (HTTP GET /v1/suggest).")
public final class SuggestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PREFIX")
    String prefix;

    @Option(names = "--index", required = true)
    String index;

    @Option(names = {"-k", "--size"}, defaultValue = "10", description = "suggestions (1..50, default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--json", description = "print the raw JSON answer")
    boolean json;

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() throws Exception {
        String url = endpoints.suggestUrl + "/v1/suggest?index=" + enc(index) + "&q=" + enc(prefix) + "&k=" + k;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.parse(r.body());
        if (r.statusCode() != 200) {
            System.err.println("quarry: " + (body.has("error") ? body.get("error").asText() : "HTTP " + r.statusCode()));
            return 1;
        }
        if (json) {
            System.out.println(r.body());
            return 0;
        }
        for (JsonNode s : body.get("suggestions")) {
            System.out.printf("%-50s %12d  %s%n", s.get("text").asText(), s.get("weight").asLong(), s.get("id").asText());
        }
        return 0;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
