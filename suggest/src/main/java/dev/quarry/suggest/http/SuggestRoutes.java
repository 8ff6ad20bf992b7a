package dev.quarry.suggest.http;

import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexes;
import dev.quarry.suggest.SuggestResult;
import dev.quarry.suggest.error.SuggestException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Maps a request to a reply: path first (unknown → 404), then method (OPTIONS → CORS preflight,
 * anything but GET → 405), then the endpoint. Endpoints throw {@link SuggestException} for bad
 * requests; the handler turns every exception into a reply through {@link ErrorMapper}.
 *
 * <p>Thread-safety: immutable; shared by all channels and event-loop threads.
 */
final class SuggestRoutes {

  static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final byte[] HEALTHY = JsonBodies.status("ok");
  private static final int MAX_ECHOED_NAME = 100;

  private final SuggestIndexes indexes;
  private final PrometheusMeterRegistry registry;
  private final SearchProxy search;

  SuggestRoutes(SuggestIndexes indexes, PrometheusMeterRegistry registry, SearchProxy search) {
    this.indexes = Objects.requireNonNull(indexes, "indexes");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.search = Objects.requireNonNull(search, "search");
  }

  /**
   * Like {@link #route}, but {@code /v1/search} answers asynchronously (it waits for the
   * coordinator, which must not block an event-loop thread).
   */
  CompletableFuture<HttpReply> routeAsync(FullHttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    if (uri.path().equals("/v1/search") && HttpMethod.GET.equals(request.method())) {
      return search.search(SearchParams.parse(decodedParameters(uri)));
    }
    return CompletableFuture.completedFuture(route(request));
  }

  HttpReply route(FullHttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    Endpoint endpoint =
        switch (path) {
          case "/v1/suggest" -> Endpoint.SUGGEST;
          case "/v1/search" -> Endpoint.SEARCH;
          case "/healthz" -> Endpoint.HEALTH;
          case "/metrics" -> Endpoint.METRICS;
          case "/", "/index.html" -> Endpoint.PAGE;
          default -> throw SuggestException.notFound("no such path: " + truncate(path));
        };
    HttpMethod method = request.method();
    if (HttpMethod.OPTIONS.equals(method)) {
      return preflight(request);
    }
    if (!HttpMethod.GET.equals(method)) {
      throw SuggestException.methodNotAllowed(
          "method " + truncate(method.name()) + " is not allowed on " + path + "; use GET");
    }
    return switch (endpoint) {
      case SUGGEST -> suggest(uri);
      case HEALTH -> HttpReply.json(HttpResponseStatus.OK, HEALTHY);
      case METRICS -> HttpReply.of(HttpResponseStatus.OK, METRICS_CONTENT_TYPE, registry.scrape());
      case PAGE -> new HttpReply(HttpResponseStatus.OK, HttpReply.HTML, DemoPage.html(), Map.of());
      case SEARCH -> throw new IllegalStateException("/v1/search is routed by routeAsync");
    };
  }

  private enum Endpoint {
    SUGGEST,
    SEARCH,
    HEALTH,
    METRICS,
    PAGE
  }

  private HttpReply suggest(QueryStringDecoder uri) {
    long start = System.nanoTime();
    SuggestParams params = SuggestParams.parse(decodedParameters(uri));
    SuggestIndex index =
        indexes
            .find(params.index())
            .orElseThrow(
                () -> SuggestException.notFound("unknown index '" + truncate(params.index()) + "'"));
    SuggestResult result = index.suggest(params.q(), params.k());
    long tookMicros = (System.nanoTime() - start) / 1_000;
    return HttpReply.json(HttpResponseStatus.OK, JsonBodies.suggest(result, tookMicros));
  }

  private static Map<String, List<String>> decodedParameters(QueryStringDecoder uri) {
    try {
      return uri.parameters();
    } catch (IllegalArgumentException e) {
      // Netty rejects malformed percent-encoding here, while decoding lazily.
      throw SuggestException.invalidArgument("malformed query string: " + e.getMessage());
    }
  }

  private static HttpReply preflight(FullHttpRequest request) {
    String requested = request.headers().get("Access-Control-Request-Headers");
    HttpReply reply =
        new HttpReply(HttpResponseStatus.NO_CONTENT, null, new byte[0], Map.of())
            .withHeader("Access-Control-Allow-Methods", ErrorMapper.ALLOWED_METHODS)
            .withHeader("Access-Control-Max-Age", "86400")
            .withHeader("Allow", ErrorMapper.ALLOWED_METHODS);
    return requested == null
        ? reply
        : reply.withHeader("Access-Control-Allow-Headers", truncate(requested));
  }

  private static String truncate(String s) {
    return s.length() <= MAX_ECHOED_NAME ? s : s.substring(0, MAX_ECHOED_NAME) + "…";
  }
}
