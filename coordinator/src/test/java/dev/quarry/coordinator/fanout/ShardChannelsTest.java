package dev.quarry.coordinator.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.common.rpc.InProcessEndpoints;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.ShardServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ShardChannels} takes gRPC's in-process transport exactly for the addresses a server of this JVM serves in-process. */
class ShardChannelsTest {
    @Test
    void anAddressServedInProcessIsReachedWithoutTheNetworkAndOthersOverIt() throws Exception {
        String address;
        try (ServerSocket s = new ServerSocket(0)) {
            address = "127.0.0.1:" + s.getLocalPort(); // nothing listens there once the socket is closed
        }
        Server server = InProcessServerBuilder.forName(InProcessEndpoints.nameFor(address)).addService(new ShardServiceGrpc.ShardServiceImplBase() {
            @Override
            public void query(ShardQueryRequest request, StreamObserver<ShardQueryResponse> out) {
                out.onNext(ShardQueryResponse.newBuilder().setTotalHits(request.getShard() + 40).build());
                out.onCompleted();
            }
        }).build().start();
        InProcessEndpoints.register(address);
        try (ShardChannels channels = new ShardChannels()) {
            assertThat(channels.stub(address).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .query(ShardQueryRequest.newBuilder().setShard(2).build()).getTotalHits()).isEqualTo(42);
        } finally {
            InProcessEndpoints.unregister(address);
            server.shutdownNow();
        }
        String unregistered = address;
        try (ShardChannels channels = new ShardChannels()) {
            assertThatThrownBy(() -> channels.stub(unregistered).withDeadlineAfter(5, TimeUnit.SECONDS).query(ShardQueryRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
    }
}
