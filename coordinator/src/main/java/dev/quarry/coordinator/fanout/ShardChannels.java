package dev.quarry.coordinator.fanout;

import dev.quarry.proto.v1.ShardServiceGrpc;
import dev.quarry.common.rpc.InProcessEndpoints;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per shard-server address, created on first use and kept (channels reconnect by
 * themselves). A shard server running in this JVM that serves in-process ({@link InProcessEndpoints})
 * is reached over gRPC's in-process transport, any other over the network. Thread-safety: a concurrent map; channels and stubs are thread-safe.
 */
public final class ShardChannels implements AutoCloseable {
    /** Shard answers carry sources; a page of large documents can exceed gRPC's 4 MiB default. */
    private static final int MAX_INBOUND_BYTES = 64 << 20;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public ShardServiceGrpc.ShardServiceBlockingStub stub(String address) {
        return ShardServiceGrpc.newBlockingStub(channel(address));
    }

    public ShardServiceGrpc.ShardServiceFutureStub futureStub(String address) {
        return ShardServiceGrpc.newFutureStub(channel(address));
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> InProcessEndpoints.channel(a).orElseGet(() -> NettyChannelBuilder.forTarget(a)
                .usePlaintext()
                // answers are handed to light callbacks (FanOut completes a future) or to a blocking
                // stub's own thread: running them on the event loop saves a thread hand-off per call
                .directExecutor()
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                // FanOut retries on another replica and hedges itself; gRPC's own retry layer would
                // only buffer every message for nothing
                .disableRetry()
                .build()));
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
