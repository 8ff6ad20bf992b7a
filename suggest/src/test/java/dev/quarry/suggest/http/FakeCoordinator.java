package dev.quarry.suggest.http;

import dev.quarry.proto.v1.Hit;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A coordinator's {@code SearchService} on an ephemeral loopback port: answers every search with
 * the documents whose id the query mentions, fails queries containing {@code "(("} with
 * INVALID_ARGUMENT, and records the requests.
 */
final class FakeCoordinator implements AutoCloseable {

  final ConcurrentLinkedQueue<SearchRequest> requests = new ConcurrentLinkedQueue<>();
  private final Server server;

  /** {@code docs}: id → source JSON. */
  FakeCoordinator(Map<String, String> docs) {
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(
                  new SearchServiceGrpc.SearchServiceImplBase() {
                    @Override
                    public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
                      requests.add(request);
                      if (request.getQuery().contains("((")) {
                        out.onError(Status.INVALID_ARGUMENT.withDescription("cannot parse query").asRuntimeException());
                        return;
                      }
                      SearchResponse.Builder response = SearchResponse.newBuilder();
                      List<String> ids = docs.keySet().stream().sorted().toList();
                      for (String id : ids) {
                        if (request.getQuery().contains(id)) {
                          response.addHits(Hit.newBuilder().setId(id).setScore(1.5f).setSourceJson(docs.get(id)));
                        }
                      }
                      out.onNext(response.setTotalHits(response.getHitsCount()).build());
                      out.onCompleted();
                    }
                  })
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
