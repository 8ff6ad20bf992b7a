package dev.quarry.coordinator.api;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.search.GetHandler;
import dev.quarry.coordinator.search.SearchHandler;
import dev.quarry.proto.v1.DeleteRequest;
import dev.quarry.proto.v1.GetRequest;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.IndexRequest;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.proto.v1.WriteResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;

/** Thin binding of {@code quarry.v1.SearchService}: one handler per RPC. */
public final class SearchGrpcService extends SearchServiceGrpc.SearchServiceImplBase {
    private final SearchHandler search;
    private final GetHandler get;

    public SearchGrpcService(SearchHandler search, GetHandler get) {
        this.search = search;
        this.get = get;
    }

    @Override
    public void search(SearchRequest req, StreamObserver<SearchResponse> out) {
        Unary.respond(out, () -> search.search(req, Context.current().getDeadline()));
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> out) {
        Unary.respond(out, () -> get.get(req, Context.current().getDeadline()));
    }

    @Override
    public void index(IndexRequest req, StreamObserver<WriteResponse> out) {
        Unary.respond(out, () -> {
            throw new CoordinatorException(CoordinatorException.Kind.UNIMPLEMENTED,
                    "synchronous Index is not supported yet; produce to Kafka topic quarry." + req.getIndex() + ".docs or use `quarry load`");
        });
    }

    @Override
    public void delete(DeleteRequest req, StreamObserver<WriteResponse> out) {
        Unary.respond(out, () -> {
            throw new CoordinatorException(CoordinatorException.Kind.UNIMPLEMENTED,
                    "synchronous Delete is not supported yet; produce a tombstone (null value) keyed by the id to quarry." + req.getIndex() + ".docs");
        });
    }
}
