package dev.quarry.meta.server;

import static org.awaitility.Awaitility.await;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.MetaClientOptions;
import dev.quarry.proto.v1.MetaStatusResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Three raft-meta peers, each its own JVM ({@link MetaServerMain} on this test's classpath), on
 * free loopback ports fixed for the cluster's life so that a killed peer comes back on the same
 * addresses. Output of each child JVM goes to its own {@code <dir>/<id>[.standby].<n>.log}.
 *
 * <p>Thread-safety: use from the test thread only.
 */
final class MetaProcessCluster implements AutoCloseable {
    private static final Duration READY_WAIT = Duration.ofSeconds(30);
    /** Raft role changes and elections of the children are logged (to their files). */
    private static final String CHILD_LOGGING = Objects.requireNonNull(
            MetaProcessCluster.class.getResource("/logback-meta-child.xml"), "logback-meta-child.xml").toString();
    private static final MetaClientOptions PROBE = MetaClientOptions.DEFAULTS.withCallTimeout(Duration.ofSeconds(2));

    private final Path dir;
    private final List<String> ids = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();
    private final String peers;
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> standbys = new ArrayList<>();
    /** The log file in which peer i prints READY. */
    private final List<String> readyMarker = new ArrayList<>();
    /** The log file of peer i's standby JVM. */
    private final List<String> standbyLog = new ArrayList<>();
    /** Numbers the JVMs, so each keeps its own log file (a killed peer's log stays for diagnosis). */
    private int spawned;
    private final List<MetaClient> single = new ArrayList<>();
    private final String[] extraArgs;

    MetaProcessCluster(Path dir, int size, String... extraArgs) {
        this.dir = dir;
        this.extraArgs = extraArgs;
        List<String> specs = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ids.add("n" + i);
            clientPorts.add(MetaTestCluster.freePort());
            specs.add("n" + i + "=127.0.0.1:" + MetaTestCluster.freePort());
            processes.add(null);
            standbys.add(null);
            readyMarker.add("n" + i + ".log");
            standbyLog.add(null);
        }
        this.peers = String.join(",", specs);
        for (int i = 0; i < size; i++) {
            single.add(new MetaClient(List.of(clientAddress(i)), PROBE));
        }
    }

    int size() {
        return ids.size();
    }

    String clientAddress(int i) {
        return "127.0.0.1:" + clientPorts.get(i);
    }

    List<String> clientAddresses() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            out.add(clientAddress(i));
        }
        return out;
    }

    /** A client bound to peer {@code i} only (short timeout). */
    MetaClient peerClient(int i) {
        return single.get(i);
    }

    /** Starts peer {@code i}'s JVM and waits until it serves. */
    void start(int i) {
        startAsync(i);
        awaitReady(i);
    }

    void startAsync(int i) {
        Process standby = standbys.set(i, null);
        if (standby != null) {
            activate(i, standby);
            return;
        }
        processes.set(i, spawn(i, MetaServerMain.class, ids.get(i) + "." + (++spawned) + ".log"));
    }

    /**
     * Pre-starts a warm JVM ({@link StandbyMetaMain}) for peer {@code i}; the next start of that
     * peer uses it. Returns at once; {@link #awaitStandby} waits until it is warm.
     */
    void prepareStandby(int i) {
        if (standbys.get(i) == null) {
            standbyLog.set(i, ids.get(i) + ".standby." + (++spawned) + ".log");
            standbys.set(i, spawn(i, StandbyMetaMain.class, standbyLog.get(i)));
        }
    }

    void awaitStandby(int i) {
        Path log = dir.resolve(standbyLog.get(i));
        await().atMost(READY_WAIT).pollInterval(Duration.ofMillis(20)).until(() -> Files.readString(log).contains("STANDBY"));
    }

    private void activate(int i, Process standby) {
        try {
            standby.getOutputStream().write('\n');
            standby.getOutputStream().flush();
            processes.set(i, standby);
            readyMarker.set(i, standbyLog.get(i));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Process spawn(int i, Class<?> main, String logName) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms96m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m",
                "-Xshare:auto", "-Dlogback.configurationFile=" + CHILD_LOGGING,
                "-cp", System.getProperty("java.class.path"), main.getName(),
                "--id", ids.get(i), "--peers", peers, "--port", String.valueOf(clientPorts.get(i)),
                "--dir", dir.resolve(ids.get(i)).toString(), "--metrics-port", "0"));
        cmd.addAll(List.of(extraArgs));
        try {
            Path log = dir.resolve(logName);
            Files.writeString(log, "", StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            if (main == MetaServerMain.class) {
                readyMarker.set(i, logName);
            }
            return new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void awaitReady(int i) {
        Path log = dir.resolve(readyMarker.get(i));
        await().atMost(READY_WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!processes.get(i).isAlive()) {
                throw new AssertionError(ids.get(i) + " exited: " + Files.readString(log));
            }
            return Files.readString(log).contains("READY " + ids.get(i));
        });
        // A fresh channel: the old one may sit in gRPC's reconnect backoff after the kill.
        single.set(i, new MetaClient(List.of(clientAddress(i)), PROBE)).close();
    }

    void startAll() {
        for (int i = 0; i < size(); i++) {
            startAsync(i);
        }
        for (int i = 0; i < size(); i++) {
            awaitReady(i);
        }
    }

    /** kill -9. */
    void kill(int i) {
        Process p = processes.set(i, null);
        if (p != null) {
            p.destroyForcibly();
            waitFor(p);
        }
    }

    /** SIGTERM, and wait for the clean exit. */
    void stop(int i) {
        Process p = processes.set(i, null);
        if (p != null) {
            p.destroy();
            waitFor(p);
        }
    }

    void signal(int i, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(processes.get(i).pid())).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The leader id as peer {@code i} sees it, if it answers and knows one. */
    Optional<String> leaderSeenBy(int i) {
        try {
            MetaStatusResponse s = single.get(i).metaStatus();
            return s.getLeaderId().isEmpty() ? Optional.empty() : Optional.of(s.getLeaderId());
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /** Each peer's Raft view (leader, term, applied version) or why it did not answer, for failure messages. */
    String describe() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            try {
                MetaStatusResponse s = single.get(i).metaStatus();
                out.add(ids.get(i) + ": leader " + s.getLeaderId() + ", term " + s.getTerm() + ", applied version "
                        + s.getAppliedVersion());
            } catch (StatusRuntimeException e) {
                out.add(ids.get(i) + ": " + e.getStatus().getCode());
            }
        }
        return String.join("; ", out) + " (logs in " + dir + ")";
    }

    /** Waits until all the given peers name the same leader; returns its index. */
    int awaitLeader(List<Integer> among, Duration within) {
        int[] leader = {-1};
        await().atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<Optional<String>> seen = among.stream().map(this::leaderSeenBy).toList();
            if (seen.stream().anyMatch(Optional::isEmpty) || seen.stream().collect(Collectors.toSet()).size() != 1) {
                return false;
            }
            leader[0] = ids.indexOf(seen.get(0).orElseThrow());
            return among.contains(leader[0]);
        });
        return leader[0];
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < size(); i++) {
            kill(i);
            Process s = standbys.set(i, null);
            if (s != null) {
                s.destroyForcibly();
            }
        }
        single.forEach(MetaClient::close);
    }
}
