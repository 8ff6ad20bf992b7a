package dev.quarry.cli.command;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/** Channels for the client commands. */
final class Grpc {
    private Grpc() {}

    static ManagedChannel channel(String address) {
        return builder(address).build();
    }

    /** A channel whose callbacks run on its transport thread: for callers whose callbacks are light (a bench's load loop). */
    static ManagedChannel directChannel(String address) {
        return builder(address).directExecutor().build();
    }

    private static NettyChannelBuilder builder(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().maxInboundMessageSize(64 << 20);
    }
}
