package dev.quarry.cli.command;

import picocli.CommandLine.Option;

/** Where the client commands find the cluster; each option also reads an environment variable. */
public final class Endpoints {
    @Option(names = "--kafka", paramLabel = "HOST:PORT", defaultValue = "${env:QUARRY_KAFKA:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (env QUARRY_KAFKA; default ${DEFAULT-VALUE})")
    public String kafka;

    @Option(names = "--coordinator", paramLabel = "HOST:PORT", defaultValue = "${env:QUARRY_COORDINATOR:-127.0.0.1:7400}",
            description = "coordinator gRPC address (env QUARRY_COORDINATOR; default ${DEFAULT-VALUE})")
    public String coordinator;

    @Option(names = "--suggest-url", paramLabel = "URL", defaultValue = "${env:QUARRY_SUGGEST_URL:-http://127.0.0.1:7600}",
            description = "suggest service base URL (env QUARRY_SUGGEST_URL; default ${DEFAULT-VALUE})")
    public String suggestUrl;
}
