package dev.quarry.shard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.proto.v1.MetaServiceGrpc;
import dev.quarry.proto.v1.MetaStatusRequest;
import dev.quarry.proto.v1.MetaStatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** While fenced every call is refused with UNAVAILABLE (any service; here a stub one), else served. */
class FencingInterceptorTest {
    @Test
    void fencedNodesRefuseCallsWithUnavailable() throws Exception {
        AtomicBoolean fenced = new AtomicBoolean();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new MetaServiceGrpc.MetaServiceImplBase() {
                    @Override
                    public void metaStatus(MetaStatusRequest request, StreamObserver<MetaStatusResponse> out) {
                        out.onNext(MetaStatusResponse.newBuilder().setLeaderId("x").build());
                        out.onCompleted();
                    }
                })
                .intercept(new FencingInterceptor(fenced::get, "s1"))
                .build().start();
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(),
                InsecureChannelCredentials.create()).build();
        try {
            var stub = MetaServiceGrpc.newBlockingStub(channel);
            assertThat(stub.metaStatus(MetaStatusRequest.getDefaultInstance()).getLeaderId()).isEqualTo("x");
            fenced.set(true);
            assertThatThrownBy(() -> stub.metaStatus(MetaStatusRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.getStatus().getDescription()).contains("s1").contains("re-registering");
                    });
            fenced.set(false);
            assertThat(stub.metaStatus(MetaStatusRequest.getDefaultInstance()).getLeaderId()).isEqualTo("x");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
