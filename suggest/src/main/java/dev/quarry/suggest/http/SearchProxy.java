package dev.quarry.suggest.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.suggest.error.SuggestException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/search}: the browser cannot speak gRPC, so this forwards a search to the
 * coordinator's {@code quarry.v1.SearchService/Search} and answers JSON: {@code {"hits":[{"id",
 * "score","source"}],"total_hits":n,"took_us":n}}, {@code source} being the stored document as a
 * JSON object. gRPC failures become {@link SuggestException}s for the one {@link ErrorMapper}:
 * UNAVAILABLE and DEADLINE_EXCEEDED → 503, INVALID_ARGUMENT → 400, NOT_FOUND → 404 (with the
 * coordinator's message, which is written for users), anything else → 503 with a generic message.
 *
 * <p>Thread-safety: the channel and stub are thread-safe; calls complete on gRPC's executor.
 */
final class SearchProxy implements AutoCloseable {

  /** The whole search, coordinator fan-out included, must fit in this. */
  private static final long DEADLINE_MS = 5_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ManagedChannel channel; // null when no coordinator is configured
  private final SearchServiceGrpc.SearchServiceFutureStub stub;

  SearchProxy(String coordinatorAddress) {
    if (coordinatorAddress == null || coordinatorAddress.isEmpty()) {
      channel = null;
      stub = null;
    } else {
      channel =
          NettyChannelBuilder.forTarget(coordinatorAddress)
              .usePlaintext()
              .maxInboundMessageSize(16 << 20)
              .build();
      stub = SearchServiceGrpc.newFutureStub(channel);
    }
  }

  CompletableFuture<HttpReply> search(SearchParams params) {
    if (stub == null) {
      return CompletableFuture.failedFuture(
          SuggestException.unavailable("search is not available: this suggest server has no coordinator address"));
    }
    long start = System.nanoTime();
    SearchRequest request =
        SearchRequest.newBuilder().setIndex(params.index()).setQuery(params.q()).setK(params.k()).build();
    CompletableFuture<HttpReply> reply = new CompletableFuture<>();
    Futures.addCallback(
        stub.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).search(request),
        new FutureCallback<>() {
          @Override
          public void onSuccess(SearchResponse response) {
            try {
              long micros = (System.nanoTime() - start) / 1_000;
              reply.complete(HttpReply.json(HttpResponseStatus.OK, body(response, micros)));
            } catch (RuntimeException e) {
              reply.completeExceptionally(e);
            }
          }

          @Override
          public void onFailure(Throwable t) {
            reply.completeExceptionally(map(t));
          }
        },
        MoreExecutors.directExecutor());
    return reply;
  }

  private static RuntimeException map(Throwable t) {
    if (!(t instanceof StatusRuntimeException e)) {
      return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }
    Status status = e.getStatus();
    String description = status.getDescription() == null ? "" : status.getDescription();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT -> SuggestException.invalidArgument(description);
      case NOT_FOUND -> SuggestException.notFound(description);
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED ->
          SuggestException.unavailable("the coordinator is unreachable or overloaded; try again");
      default -> SuggestException.unavailable("the coordinator could not answer this search");
    };
  }

  private static byte[] body(SearchResponse response, long tookMicros) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("hits");
      for (Hit hit : response.getHitsList()) {
        g.writeStartObject();
        g.writeStringField("id", hit.getId());
        g.writeNumberField("score", hit.getScore());
        g.writeFieldName("source");
        g.writeTree(source(hit.getSourceJson()));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNumberField("total_hits", response.getTotalHits());
      g.writeNumberField("took_us", tookMicros);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static JsonNode source(String json) throws IOException {
    return json.isEmpty() ? JSON.createObjectNode() : JSON.readTree(json);
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
