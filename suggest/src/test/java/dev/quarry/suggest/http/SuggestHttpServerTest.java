package dev.quarry.suggest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexConfig;
import dev.quarry.suggest.SuggestIndexRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP API over a real socket on an ephemeral port. */
class SuggestHttpServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static PrometheusMeterRegistry registry;
  private static SuggestIndex index;
  private static SuggestHttpServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    index =
        SuggestIndex.builder("packages")
            .config(SuggestIndexConfig.manual())
            .meterRegistry(registry)
            .build();
    index.upsert("react", List.of("react"), 123_456);
    index.upsert("react-dom", List.of("react-dom"), 100_000);
    index.upsert("emile", List.of("Émile \"quoted\""), 7);
    index.setWatermark(Map.of(0, 5120L, 1, 4988L));
    index.rebuildNow();
    SuggestIndexRegistry indexes = new SuggestIndexRegistry();
    indexes.register(index);
    server = SuggestHttpServer.start(SuggestHttpConfig.ephemeral().withIoThreads(1), indexes, registry);
    client = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    server.close();
    index.close();
    client.close();
  }

  @Test
  void suggestAnswersJson() throws Exception {
    HttpResponse<String> response = get("/v1/suggest?index=packages&q=rea&k=10");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(HttpReply.JSON);
    assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("suggestions").toString())
        .isEqualTo(
            "[{\"text\":\"react\",\"weight\":123456,\"id\":\"react\"},"
                + "{\"text\":\"react-dom\",\"weight\":100000,\"id\":\"react-dom\"}]");
    assertThat(body.get("snapshot").asLong()).isEqualTo(1);
    assertThat(body.get("watermark").toString()).isEqualTo("{\"0\":5120,\"1\":4988}");
    assertThat(body.get("took_us").isIntegralNumber()).isTrue();
  }

  @Test
  void foldsTheQueryAndEscapesTheText() throws Exception {
    HttpResponse<String> response = get("/v1/suggest?index=packages&q=" + encode("ÉMI"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode first = JSON.readTree(response.body()).get("suggestions").get(0);
    assertThat(first.get("text").asText()).isEqualTo("Émile \"quoted\"");
    assertThat(get("/v1/suggest?index=packages&q=dom&k=1").body()).contains("\"react-dom\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/suggest?index=packages                 | 400 | missing required parameter 'q'",
        "/v1/suggest?index=packages&q=              | 400 | parameter 'q' must not be empty",
        "/v1/suggest?q=rea                          | 400 | missing required parameter 'index'",
        "/v1/suggest?index=&q=rea                   | 400 | missing required parameter 'index'",
        "/v1/suggest?index=packages&q=rea&k=0       | 400 | parameter 'k' must be an integer from 1 to 50",
        "/v1/suggest?index=packages&q=rea&k=51      | 400 | parameter 'k' must be an integer from 1 to 50",
        "/v1/suggest?index=packages&q=rea&k=ten     | 400 | parameter 'k' must be an integer from 1 to 50",
        "/v1/suggest?index=nope&q=rea               | 404 | unknown index 'nope'",
        "/v2/nothing                                | 404 | no such path: /v2/nothing",
      })
  void badRequestsGetJsonErrors(String path, int status, String message) throws Exception {
    HttpResponse<String> response = get(path);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValue(HttpReply.JSON);
    assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(JSON.readTree(response.body()).get("error").asText()).startsWith(message);
  }

  @Test
  void malformedRequestsGetA400OverARawSocket() throws Exception {
    String badEscape =
        raw("GET /v1/suggest?index=packages&q=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(badEscape).startsWith("HTTP/1.1 400 ").contains("{\"error\":\"malformed query string");

    String garbage = raw("NOT HTTP AT ALL\r\n\r\n");
    assertThat(garbage).startsWith("HTTP/1.1 400 ").contains("{\"error\":\"malformed HTTP request\"}");
    assertThat(garbage).doesNotContain("Exception").doesNotContain("at io.netty");
  }

  /** Sends {@code request} as is and reads until the server closes the connection. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void rejectsAQueryOver100Characters() throws Exception {
    String ok = "é".repeat(100);
    assertThat(get("/v1/suggest?index=packages&q=" + encode(ok)).statusCode()).isEqualTo(200);
    HttpResponse<String> tooLong = get("/v1/suggest?index=packages&q=" + encode(ok + "e"));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).isEqualTo("{\"error\":\"parameter 'q' is longer than 100 characters\"}");
  }

  @Test
  void onlyGetIsAllowedAndPreflightIsAnswered() throws Exception {
    HttpResponse<String> post =
        send(HttpRequest.newBuilder(uri("/v1/suggest?index=packages&q=rea"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, OPTIONS");
    assertThat(JSON.readTree(post.body()).has("error")).isTrue();

    HttpResponse<String> preflight =
        send(HttpRequest.newBuilder(uri("/v1/suggest"))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", "http://example.test")
            .header("Access-Control-Request-Method", "GET"));
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(preflight.headers().firstValue("access-control-allow-methods")).hasValue("GET, OPTIONS");
  }

  @Test
  void healthMetricsAndPage() throws Exception {
    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");

    get("/v1/suggest?index=packages&q=r");
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("quarry_suggest_lookup_seconds_count{index=\"packages\"}")
        .contains("quarry_suggest_snapshot_build_seconds_count{index=\"packages\"} 1")
        .contains("quarry_suggest_snapshot_age_seconds{index=\"packages\"}")
        .contains("quarry_suggest_entries{index=\"packages\"} 3")
        .contains("quarry_suggest_delta_size{index=\"packages\"} 0")
        .contains("quarry_suggest_cache_hit_ratio{index=\"packages\"}");

    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElseThrow()).startsWith("text/html");
    assertThat(page.body()).contains("<title>Quarry typeahead</title>").doesNotContain("innerHTML");
  }

  @Test
  void keepsTheConnectionAliveAcrossRequests() throws Exception {
    // HttpClient pools HTTP/1.1 connections; many sequential requests on one client must all work.
    for (int i = 0; i < 50; i++) {
      assertThat(get("/v1/suggest?index=packages&q=re&k=" + (1 + i % 50)).statusCode()).isEqualTo(200);
    }
    assertThat(server.port()).isPositive();
  }

  private static HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
  }

  private static HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return client.send(
        request.version(HttpClient.Version.HTTP_1_1).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
