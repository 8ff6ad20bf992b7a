package dev.quarry.coordinator.api;

import dev.quarry.coordinator.admin.AdminHandler;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.CreateIndexRequest;
import dev.quarry.proto.v1.CreateIndexResponse;
import dev.quarry.proto.v1.DeleteIndexRequest;
import dev.quarry.proto.v1.DeleteIndexResponse;
import dev.quarry.proto.v1.DescribeIndexRequest;
import dev.quarry.proto.v1.IndexDescription;
import dev.quarry.proto.v1.ListIndicesRequest;
import dev.quarry.proto.v1.ListIndicesResponse;
import io.grpc.stub.StreamObserver;

/** Thin binding of {@code quarry.v1.AdminService} onto {@link AdminHandler}. */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
    private final AdminHandler admin;

    public AdminGrpcService(AdminHandler admin) {
        this.admin = admin;
    }

    @Override
    public void createIndex(CreateIndexRequest req, StreamObserver<CreateIndexResponse> out) {
        Unary.respond(out, () -> CreateIndexResponse.newBuilder().setIndex(admin.createIndex(req.getName(), req.getSchemaJson())).build());
    }

    @Override
    public void deleteIndex(DeleteIndexRequest req, StreamObserver<DeleteIndexResponse> out) {
        Unary.respond(out, () -> {
            admin.deleteIndex(req.getName());
            return DeleteIndexResponse.getDefaultInstance();
        });
    }

    @Override
    public void describeIndex(DescribeIndexRequest req, StreamObserver<IndexDescription> out) {
        Unary.respond(out, () -> admin.describe(req.getName()));
    }

    @Override
    public void listIndices(ListIndicesRequest req, StreamObserver<ListIndicesResponse> out) {
        Unary.respond(out, () -> ListIndicesResponse.newBuilder().addAllIndices(admin.list()).build());
    }

    @Override
    public void clusterStatus(ClusterStatusRequest req, StreamObserver<ClusterStatusResponse> out) {
        Unary.respond(out, () -> admin.status(req));
    }
}
