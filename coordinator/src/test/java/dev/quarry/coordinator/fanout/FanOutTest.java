package dev.quarry.coordinator.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.coordinator.select.BreakerPolicy;
import dev.quarry.coordinator.select.ReplicaSelector;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.ShardServiceGrpc;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** {@link FanOut} against real gRPC servers on loopback: which failures move a call to another replica. */
class FanOutTest {
    private final List<Server> servers = new ArrayList<>();
    private final ShardChannels channels = new ShardChannels();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final FanOut fanOut = new FanOut(channels, new ReplicaSelector(BreakerPolicy.DEFAULTS, 1), timers, HedgePolicy.OFF,
            new FanOutMetrics(new SimpleMeterRegistry()));

    @AfterEach
    void stop() {
        channels.close();
        servers.forEach(Server::shutdownNow);
        timers.shutdownNow();
    }

    /** A shard server whose query answers with {@code status} (OK: an empty answer), counting its calls. */
    private ReplicaRoute replica(String node, Status status, AtomicInteger calls) throws Exception {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new ShardServiceGrpc.ShardServiceImplBase() {
            @Override
            public void query(ShardQueryRequest request, StreamObserver<ShardQueryResponse> out) {
                calls.incrementAndGet();
                if (status.isOk()) {
                    out.onNext(ShardQueryResponse.getDefaultInstance());
                    out.onCompleted();
                } else {
                    out.onError(status.asRuntimeException());
                }
            }
        }).build().start();
        servers.add(s);
        return new ReplicaRoute(node, "127.0.0.1:" + s.getPort());
    }

    private ShardResult<ShardQueryResponse> query(ReplicaRoute... replicas) {
        return query(null, replicas);
    }

    /** One shard call; {@code preferred} (if not null) is asked first. Shadow copies to a cold replica may add calls. */
    private ShardResult<ShardQueryResponse> query(String preferred, ReplicaRoute... replicas) {
        ShardRoute route = new ShardRoute(0, List.of(0), List.of(replicas));
        return fanOut.call("idx", List.of(new FanOut.Target(route, preferred, false)),
                (stub, shard, replica) -> stub.query(ShardQueryRequest.newBuilder().setShard(shard).build()),
                r -> new FanOut.Feedback(0, 0, 0), Deadline.after(5, TimeUnit.SECONDS)).get(0);
    }

    @RepeatedTest(5) // the replicas' order is random while neither has statistics
    void aDeadReplicaIsSkippedForALiveOne() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        AtomicInteger calls = new AtomicInteger();
        ShardResult<ShardQueryResponse> r = query(new ReplicaRoute("dead", "127.0.0.1:" + closedPort), replica("live", Status.OK, calls));
        assertThat(r).isInstanceOf(ShardResult.Answer.class);
        assertThat(((ShardResult.Answer<ShardQueryResponse>) r).node()).isEqualTo("live");
    }

    @Test
    void aStalePinIsReportedNotAnsweredByAnotherReplica() throws Exception {
        Status stale = Status.FAILED_PRECONDITION.withDescription("searcher version 7 is no longer this replica's newest");
        ShardResult<ShardQueryResponse> r = query("a", replica("a", stale, new AtomicInteger()), replica("b", Status.OK, new AtomicInteger()));
        assertThat(r).as("the other replica's newest searcher would not match the statistics gathered from the pin")
                .isInstanceOf(ShardResult.Failure.class);
        ShardResult.Failure<ShardQueryResponse> f = (ShardResult.Failure<ShardQueryResponse>) r;
        assertThat(f.node()).isEqualTo("a");
        assertThat(f.status().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void whenEveryReplicaFailsTheFailureNamesEachAttempt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ShardResult<ShardQueryResponse> r = query(replica("a", Status.UNAVAILABLE, calls), replica("b", Status.INTERNAL, calls));
        assertThat(r).isInstanceOf(ShardResult.Failure.class);
        assertThat(calls.get()).isGreaterThanOrEqualTo(2);
        assertThat(((ShardResult.Failure<ShardQueryResponse>) r).reason()).contains("replicas tried").contains("a: UNAVAILABLE").contains("b: INTERNAL");
    }
}
