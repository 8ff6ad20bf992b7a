package dev.quarry.cli.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts, finds and stops the JVM of each role. A role runs as {@code java -cp <this classpath>
 * dev.quarry.cli.Quarry <command>} with the same Java as this process, configured only through its
 * {@code QUARRY_*} environment (inherited {@code QUARRY_*} variables are dropped), output appended to
 * its log, in a session of its own ({@code setsid}, so that closing the terminal does not hang it
 * up). Its pid file is trusted only while that pid runs a JVM whose command line carries this
 * cluster's folder and the role's name, so a recycled pid is never signalled.
 * Thread-safety: stateless apart from the folder; the stop of one role may run on any thread.
 */
public final class RoleProcesses {
    private static final String MAIN = "dev.quarry.cli.Quarry";
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * {@code QUARRY_CLUSTER_JIT}: {@code quick} compiles with C1 only ({@link #QUICK_JIT}),
     * {@code full} with C1 and C2, {@code auto} (default) quick on a machine of at most
     * {@value #QUICK_JIT_MAX_CORES} cores. A local cluster is ten JVMs: on two cores their C2
     * compilers kept the CPU busy for minutes after start, and the hot-shard scenario's baseline
     * p50 / p99 went from 46 / 395 ms with C2 to 19 / 84 ms with C1 only. With a machine per process
     * (the compose file), C2 pays off and is what the JVM does by default.
     */
    static final String JIT_ENV = "QUARRY_CLUSTER_JIT";
    static final int QUICK_JIT_MAX_CORES = 4;
    /**
     * C1 only, with the code cache a tiered JVM gets. With C1 only the JVM reserves 48 MB for compiled
     * code, and under the serial collector every 15% of that (7.2 MB) of new code since the last
     * unloading brings a full collection to unload old code ("CodeCache GC Threshold"). In a chaos run on
     * 30 Nov every JVM of the cluster had one, of 110-540 ms on the loaded machine; the coordinator's (454 ms)
     * fell in the hot phase and made its p99 658 ms, 10.7x the baseline's. 240 MB puts that threshold at 36 MB.
     */
    static final List<String> QUICK_JIT = List.of("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m");

    private final ClusterDir dir;
    private final List<String> jitOptions;

    public RoleProcesses(ClusterDir dir) {
        this.dir = dir;
        this.jitOptions = clusterJitOptions();
    }

    /** The JIT options a local cluster's JVMs get on this machine (from {@code QUARRY_CLUSTER_JIT} and the core count). */
    public static List<String> clusterJitOptions() {
        return jitOptions(System.getenv(JIT_ENV), Runtime.getRuntime().availableProcessors());
    }

    static List<String> jitOptions(String setting, int cores) {
        String s = setting == null || setting.isBlank() ? "auto" : setting.strip().toLowerCase(java.util.Locale.ROOT);
        return switch (s) {
            case "quick" -> QUICK_JIT;
            case "full" -> List.of();
            case "auto" -> cores <= QUICK_JIT_MAX_CORES ? QUICK_JIT : List.of();
            default -> throw new IllegalArgumentException(JIT_ENV + " must be quick, full or auto, not '" + setting + "'");
        };
    }

    /** How a stop went. */
    public enum StopOutcome { GRACEFUL, KILLED, NOT_RUNNING }

    public record Stopped(String role, StopOutcome outcome, long millis) {}

    /** Launches the role's JVM and records its pid; does not wait for it to be ready. */
    public Process launch(RoleSpec role) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString());
        }
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("-Xmx" + role.heap(), "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jitOptions);
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow"); // Netty (gRPC, Ratis) on JDK 24+
        }
        cmd.add("-Dquarry.cluster.dir=" + dir.root());
        cmd.add("-Dquarry.cluster.role=" + role.name());
        cmd.addAll(List.of("-cp", classPath(), MAIN, role.kind().command()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.root().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.log(role.name()).toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARRY_"));
        env.putAll(role.env());
        Files.createDirectories(dir.log(role.name()).getParent());
        Files.writeString(dir.log(role.name()), "=== " + java.time.Instant.now() + " starting " + role.name() + ": quarry "
                + role.kind().command() + " " + role.env() + (jitOptions.isEmpty() ? "" : " " + jitOptions) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = pb.start();
        Files.createDirectories(dir.pidFile(role.name()).getParent());
        Files.writeString(dir.pidFile(role.name()), p.pid() + "\n");
        return p;
    }

    /** The role's running JVM, if its pid file names one of this cluster's processes for that role. */
    public Optional<ProcessHandle> running(String role) {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(dir.pidFile(role)).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> isOurs(h, role));
    }

    /** The markers stand before the class path: Linux reports at most 4 KiB of a command line, which may cut the rest off. */
    private boolean isOurs(ProcessHandle h, String role) {
        String line = h.info().commandLine().orElse("");
        return line.contains(" -Dquarry.cluster.dir=" + dir.root() + " ") && line.contains(" -Dquarry.cluster.role=" + role + " ");
    }

    /**
     * Sends SIGTERM to every given role that runs, waits up to {@code grace} for all of them together,
     * then SIGKILLs the ones still running; removes their pid files.
     */
    public List<Stopped> stop(List<RoleSpec> roles, Duration grace) throws InterruptedException {
        long t0 = System.nanoTime();
        List<Stopped> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<ProcessHandle> handles = new ArrayList<>();
        for (RoleSpec r : roles) {
            Optional<ProcessHandle> h = running(r.name());
            if (h.isEmpty()) {
                out.add(new Stopped(r.name(), StopOutcome.NOT_RUNNING, 0));
                deletePidFile(r.name());
                continue;
            }
            h.get().destroy(); // SIGTERM: the role's shutdown hook stops it gracefully
            names.add(r.name());
            handles.add(h.get());
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (int i = 0; i < handles.size(); i++) {
            ProcessHandle h = handles.get(i);
            StopOutcome outcome = StopOutcome.GRACEFUL;
            if (!awaitExit(h, Math.max(0, deadline - System.nanoTime()))) {
                h.destroyForcibly();
                awaitExit(h, TimeUnit.SECONDS.toNanos(10));
                outcome = StopOutcome.KILLED;
            }
            out.add(new Stopped(names.get(i), outcome, (System.nanoTime() - t0) / 1_000_000));
            deletePidFile(names.get(i));
        }
        return out;
    }

    private static boolean awaitExit(ProcessHandle h, long nanos) throws InterruptedException {
        CompletableFuture<ProcessHandle> exit = h.onExit();
        try {
            exit.get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return !h.isAlive();
        } catch (ExecutionException e) {
            return !h.isAlive();
        }
    }

    private void deletePidFile(String role) {
        try {
            Files.deleteIfExists(dir.pidFile(role));
        } catch (IOException e) {
            // a stale pid file is ignored later: running() checks the process behind it
        }
    }

    /** The class path of this JVM (under the test runner: the tests' class path, which includes Quarry's). */
    public static String classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // absolute, since the roles run in the cluster folder ("lib/*" wildcards stay wildcards)
        return java.util.Arrays.stream(cp.split(File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(File.pathSeparator));
    }
}
