package dev.quarry.cli.command;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/** Channels for the client commands. */
final class Grpc {
    private Grpc() {}

    static ManagedChannel channel(String address) {
        return builder(address).build();
    }

    /**
     * A channel for a load generator: callbacks run on its transport thread (the load loop's are light),
     * and without gRPC's retry support, which wraps every call to keep its messages for a replay. On the
     * bench's searches that wrapping took half of the client's CPU (0.48-0.50 against 0.21-0.24 ms per
     * search), CPU the server under test shares on a small machine. A failed call is counted as an error.
     */
    static ManagedChannel loadChannel(String address) {
        return builder(address).directExecutor().disableRetry().build();
    }

    private static NettyChannelBuilder builder(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().maxInboundMessageSize(64 << 20);
    }
}
