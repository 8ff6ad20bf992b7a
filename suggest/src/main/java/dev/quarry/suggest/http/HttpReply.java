package dev.quarry.suggest.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A response before it is written: status, content type, body and extra headers. The handler adds
 * the common headers (length, CORS, keep-alive) in one place.
 */
record HttpReply(
    HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {

  static final String JSON = "application/json; charset=utf-8";
  static final String TEXT = "text/plain; charset=utf-8";
  static final String HTML = "text/html; charset=utf-8";

  HttpReply {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  static HttpReply json(HttpResponseStatus status, byte[] body) {
    return new HttpReply(status, JSON, body, Map.of());
  }

  static HttpReply of(HttpResponseStatus status, String contentType, String body) {
    return new HttpReply(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  HttpReply withHeader(String name, String value) {
    Map<String, String> merged = new HashMap<>(headers);
    merged.put(name, value);
    return new HttpReply(status, contentType, body, merged);
  }
}
