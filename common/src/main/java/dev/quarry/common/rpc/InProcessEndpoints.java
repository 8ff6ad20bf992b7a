package dev.quarry.common.rpc;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gRPC servers of this JVM that also serve over gRPC's in-process transport, by the network
 * address they serve on. When a client in the same JVM (a coordinator beside its shard servers in
 * {@code quarry dev}) opens a channel to such an address, it can take the in-process transport: the
 * same services, interceptors, deadlines, cancellation and status codes, without the loopback socket,
 * the HTTP/2 framing and the protobuf encoding of each message (messages are handed over as objects).
 * Thread-safety: a concurrent set; the registry is process-wide, as gRPC's own in-process names are.
 */
public final class InProcessEndpoints {
    private static final Set<String> ADDRESSES = ConcurrentHashMap.newKeySet();

    private InProcessEndpoints() {}

    /** The in-process server name for a network address. */
    public static String nameFor(String address) {
        return "quarry:" + address;
    }

    /** Called by a server once its in-process twin for {@code address} is started. */
    public static void register(String address) {
        ADDRESSES.add(address);
    }

    /** Called by a server when its in-process twin stops. */
    public static void unregister(String address) {
        ADDRESSES.remove(address);
    }

    /**
     * An in-process channel to {@code address} when a server of this JVM serves it in-process, else
     * empty. Callbacks run on the thread that completes the call (direct executor), and gRPC's retry
     * buffering is off, as for the callers' network channels.
     */
    public static Optional<ManagedChannel> channel(String address) {
        if (!ADDRESSES.contains(address)) {
            return Optional.empty();
        }
        return Optional.of(InProcessChannelBuilder.forName(nameFor(address)).directExecutor().disableRetry().build());
    }
}
