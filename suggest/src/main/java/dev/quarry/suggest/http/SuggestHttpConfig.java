package dev.quarry.suggest.http;

import java.util.Objects;

/**
 * Settings of the suggest HTTP server, validated on construction.
 *
 * @param host the address to bind (default {@code 127.0.0.1})
 * @param port the port to bind, 0 for an ephemeral one (default 7600)
 * @param ioThreads event-loop threads; 0 lets Netty choose (twice the cores)
 * @param maxRequestBytes the largest request (head + body) accepted (default 64 KiB); larger
 *     requests get 413 from Netty's aggregator
 * @param coordinator the coordinator's gRPC address ({@code host:port}) that {@code /v1/search}
 *     forwards to; empty (the default) when there is none, and {@code /v1/search} answers 503
 */
public record SuggestHttpConfig(
    String host, int port, int ioThreads, int maxRequestBytes, String coordinator) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7600;
  public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

  public SuggestHttpConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(coordinator, "coordinator (empty for none)");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads must be >= 0, got " + ioThreads);
    }
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException("maxRequestBytes must be >= 1024, got " + maxRequestBytes);
    }
  }

  public static SuggestHttpConfig defaults() {
    return new SuggestHttpConfig(DEFAULT_HOST, DEFAULT_PORT, 0, DEFAULT_MAX_REQUEST_BYTES, "");
  }

  /** Loopback with an ephemeral port; what tests use. */
  public static SuggestHttpConfig ephemeral() {
    return defaults().withPort(0);
  }

  public SuggestHttpConfig withHost(String newHost) {
    return new SuggestHttpConfig(newHost, port, ioThreads, maxRequestBytes, coordinator);
  }

  public SuggestHttpConfig withPort(int newPort) {
    return new SuggestHttpConfig(host, newPort, ioThreads, maxRequestBytes, coordinator);
  }

  public SuggestHttpConfig withIoThreads(int threads) {
    return new SuggestHttpConfig(host, port, threads, maxRequestBytes, coordinator);
  }

  /** Forwards {@code /v1/search} to the coordinator at {@code address} ({@code host:port}). */
  public SuggestHttpConfig withCoordinator(String address) {
    return new SuggestHttpConfig(host, port, ioThreads, maxRequestBytes, address);
  }
}
