package dev.quarry.coordinator.api;

import dev.quarry.coordinator.error.StatusMapper;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Completes a unary call with the handler's result, or with the mapped status of its failure. */
final class Unary {
    private Unary() {}

    static <T> void respond(StreamObserver<T> out, Supplier<T> handler) {
        T result;
        try {
            result = handler.get();
        } catch (Throwable t) {
            out.onError(StatusMapper.toStatus(t));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}
