package dev.quarry.suggest.http;

import dev.quarry.suggest.error.SuggestException;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP responses: a {@link SuggestException} keeps its
 * message and gets the status of its kind; anything else is a bug, logged here once with its stack
 * trace and answered with a bare 500. Never puts a stack trace or class name on the wire.
 *
 * <p>Stateless; safe for any thread.
 */
final class ErrorMapper {

  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  static final String ALLOWED_METHODS = "GET, OPTIONS";

  private ErrorMapper() {}

  static HttpReply toReply(Throwable failure, String requestLine) {
    if (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    if (failure instanceof SuggestException e) {
      HttpResponseStatus status =
          switch (e.kind()) {
            case INVALID_ARGUMENT -> HttpResponseStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> HttpResponseStatus.METHOD_NOT_ALLOWED;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
          };
      HttpReply reply = HttpReply.json(status, JsonBodies.error(e.getMessage()));
      return status == HttpResponseStatus.METHOD_NOT_ALLOWED
          ? reply.withHeader("Allow", ALLOWED_METHODS)
          : reply;
    }
    log.error("suggest HTTP: unexpected failure serving {}", requestLine, failure);
    return HttpReply.json(
        HttpResponseStatus.INTERNAL_SERVER_ERROR, JsonBodies.error("internal error"));
  }
}
