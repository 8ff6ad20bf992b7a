package dev.quarry.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quarry.cli.role.RoleRunner;
import dev.quarry.cli.role.SuggestServer;
import dev.quarry.ingest.json.Json;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "suggest", mixinStandardHelpOptions = true,
        customSynopsis = {"quarry suggest PREFIX --index NAME [-k N] [--json] [--suggest-url URL]",
                "quarry suggest [--id ID] [--host HOST] [--port PORT] [--dir DIR] [--kafka HOST:PORT] [--meta ADDRS] [--coordinator HOST:PORT]"},
        description = {"With a PREFIX: print typeahead suggestions for it (HTTP GET /v1/suggest).",
                "Without one: run a suggest server as its own process: it follows raft-meta, feeds one FST index per index from Kafka",
                "and serves the HTTP API, the demo page, /healthz and /metrics on one port. SIGTERM deregisters it from raft-meta,",
                "stops accepting connections and lets in-flight lookups finish; a restart restores the last snapshot and replays from Kafka.",
                "Options marked (server) only apply without a PREFIX; --index, -k, --json and --suggest-url only with one."})
public final class SuggestCommand implements Callable<Integer> {
    private static final List<String> SERVER_OPTIONS = List.of("--id", "--host", "--port", "--dir", "--meta");

    @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX", description = "the prefix to complete; leave out to run a server")
    String prefix;

    @Option(names = "--index", description = "the index to ask (required with a PREFIX)")
    String index;

    @Option(names = "--id", defaultValue = "${env:QUARRY_SUGGEST_ID:-suggest-1}",
            description = "(server) node id, stable across restarts (env QUARRY_SUGGEST_ID; default ${DEFAULT-VALUE})")
    String id;

    @Option(names = "--host", defaultValue = "${env:QUARRY_SUGGEST_HOST:-127.0.0.1}",
            description = "(server) address to bind and advertise (env QUARRY_SUGGEST_HOST; default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "${env:QUARRY_SUGGEST_PORT:-7600}",
            description = "(server) HTTP port, 0 = any (env QUARRY_SUGGEST_PORT; default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--dir", defaultValue = "${env:QUARRY_SUGGEST_DIR}",
            description = "(server) where FST snapshots persist (env QUARRY_SUGGEST_DIR; default .quarry/<id>)")
    Path dir;

    @Option(names = "--meta", defaultValue = "${env:QUARRY_META:-127.0.0.1:7100}",
            description = "(server) raft-meta client addresses, comma-separated (env QUARRY_META; default ${DEFAULT-VALUE})")
    String meta;

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--size"}, defaultValue = "10", description = "suggestions (1..50, default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--json", description = "print the raw JSON answer")
    boolean json;

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() throws Exception {
        if (prefix == null) {
            if (index != null) {
                throw new ParameterException(spec.commandLine(), "give the PREFIX to look up (or leave out --index to run a suggest server)");
            }
            return serve();
        }
        for (String o : SERVER_OPTIONS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                throw new ParameterException(spec.commandLine(), o + " configures a suggest server; it does not apply to a lookup of PREFIX");
            }
        }
        if (index == null) {
            throw new ParameterException(spec.commandLine(), "missing --index NAME: the index to ask for suggestions of '" + prefix + "'");
        }
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

    /** The suggest role: runs until SIGTERM / Ctrl-C, then stops gracefully. */
    private int serve() throws InterruptedException {
        SuggestServer server = SuggestServer.start(new SuggestServer.Config(id, host, port, dir != null ? dir : Path.of(".quarry", id),
                endpoints.kafka, meta, endpoints.coordinator), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        RoleRunner runner = RoleRunner.onShutdown("suggest", server::leave);
        System.out.println("suggest server " + id + " serving at " + server.url() + " (API, demo page, /healthz, /metrics)");
        runner.awaitStopped();
        return 0;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
