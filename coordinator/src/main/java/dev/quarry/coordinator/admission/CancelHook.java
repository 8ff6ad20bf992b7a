package dev.quarry.coordinator.admission;

/**
 * Lets a waiting request be told that its caller went away, without tying admission to gRPC:
 * {@link #register} arranges for {@code onCancel} to run (on any thread, possibly at once if the
 * caller is already gone) and returns how to undo that arrangement.
 */
@FunctionalInterface
public interface CancelHook {
    CancelHook NONE = onCancel -> () -> {};

    Runnable register(Runnable onCancel);
}
