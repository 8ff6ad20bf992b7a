package dev.quarry.suggest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.suggest.SuggestIndexRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/search}: forwarded to the coordinator over gRPC, JSON back, errors as JSON. */
class SearchEndpointTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void forwardsToTheCoordinatorAndAnswersJson() throws Exception {
    try (FakeCoordinator coordinator =
            new FakeCoordinator(Map.of("react", "{\"name\":\"react\",\"downloads\":9}"));
        SuggestHttpServer server = start(coordinator.address())) {
      HttpResponse<String> ok = get(server, "/v1/search?index=packages&k=5&q=" + encode("\"react\""));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("access-control-allow-origin")).hasValue("*");
      JsonNode body = JSON.readTree(ok.body());
      assertThat(body.get("hits").toString())
          .isEqualTo("[{\"id\":\"react\",\"score\":1.5,\"source\":{\"name\":\"react\",\"downloads\":9}}]");
      assertThat(body.get("total_hits").asLong()).isEqualTo(1);
      assertThat(coordinator.requests.peek().getK()).isEqualTo(5);
      assertThat(coordinator.requests.peek().getIndex()).isEqualTo("packages");

      HttpResponse<String> bad = get(server, "/v1/search?index=packages&q=" + encode("(("));
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).isEqualTo("{\"error\":\"cannot parse query\"}");

      assertThat(get(server, "/v1/search?index=packages").statusCode()).isEqualTo(400);
      assertThat(get(server, "/v1/search?index=packages&q=x&k=99").statusCode()).isEqualTo(400);
    }
  }

  @Test
  void answers503WhenNoCoordinatorIsConfiguredOrItIsUnreachable() throws Exception {
    try (SuggestHttpServer server = start("")) {
      HttpResponse<String> none = get(server, "/v1/search?index=packages&q=react");
      assertThat(none.statusCode()).isEqualTo(503);
      assertThat(none.headers().firstValue("content-type")).hasValue(HttpReply.JSON);
      assertThat(JSON.readTree(none.body()).get("error").asText()).contains("no coordinator");
    }
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (SuggestHttpServer server = start("127.0.0.1:" + closedPort)) {
      HttpResponse<String> down = get(server, "/v1/search?index=packages&q=react");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(down.body()).get("error").asText()).contains("unreachable");
    }
  }

  private SuggestHttpServer start(String coordinator) {
    return SuggestHttpServer.start(
        SuggestHttpConfig.ephemeral().withIoThreads(1).withCoordinator(coordinator),
        new SuggestIndexRegistry(), registry);
  }

  private HttpResponse<String> get(SuggestHttpServer server, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
