package dev.quarry.cli;

import io.grpc.StatusRuntimeException;

/** Turns a failure into the one-line reason the CLI prints (no stack traces for users). */
public final class OneLine {
    private OneLine() {}

    public static String of(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && (c.getMessage() == null || c instanceof java.util.concurrent.ExecutionException)) {
            c = c.getCause();
        }
        if (c instanceof StatusRuntimeException s) {
            String d = s.getStatus().getDescription();
            return switch (s.getStatus().getCode()) {
                case UNAVAILABLE -> "service unavailable" + (d == null ? "" : ": " + d) + " (is the cluster running? start one with `quarry dev`)";
                default -> s.getStatus().getCode() + (d == null ? "" : ": " + d);
            };
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
