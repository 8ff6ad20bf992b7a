package dev.quarry.coordinator.api;

import dev.quarry.coordinator.search.GetHandler;
import dev.quarry.coordinator.search.SearchHandler;
import dev.quarry.coordinator.write.WriteHandler;
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
    private final WriteHandler write;

    public SearchGrpcService(SearchHandler search, GetHandler get, WriteHandler write) {
        this.search = search;
        this.get = get;
        this.write = write;
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
        Unary.respond(out, () -> write.index(req.getIndex(), req.getId(), req.getSourceJson(),
                req.hasVersion() ? req.getVersion() : null, Context.current().getDeadline()));
    }

    @Override
    public void delete(DeleteRequest req, StreamObserver<WriteResponse> out) {
        Unary.respond(out, () -> write.delete(req.getIndex(), req.getId(),
                req.hasVersion() ? req.getVersion() : null, Context.current().getDeadline()));
    }
}
