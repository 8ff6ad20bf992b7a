package dev.quarry.cli.cluster;

import dev.quarry.common.io.FileTrees;
import dev.quarry.common.meta.MetaClient;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A cluster of role processes on this machine, kept in a {@link ClusterDir}: {@code up} starts
 * them in dependency order (Kafka; the three raft-meta peers, until they elect a leader; the shard
 * servers; the coordinator and the suggest server) and waits until each answers; {@code stop} and
 * {@code down} send SIGTERM in the reverse order ({@link RoleKind#stopRank}) and SIGKILL what is
 * still running after the grace period; {@code start} brings stopped roles back exactly as they ran.
 * A failed {@code up} stops whatever it started and names the role and its log.
 * Thread-safety: one command at a time per folder (not enforced: two concurrent {@code up}s on one
 * folder both fail on the ports they share).
 */
public final class LocalCluster {
    /** A role that does not answer within this long after its launch failed to start. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(200);

    private final ClusterDir dir;
    private final RoleProcesses processes;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public LocalCluster(ClusterDir dir, PrintStream out) {
        this.dir = dir;
        this.processes = new RoleProcesses(dir);
        this.out = out;
    }

    public ClusterDir dir() {
        return dir;
    }

    /** The roles of the recorded layout that run now, with their pids. */
    public Map<String, Long> running() throws IOException {
        if (!dir.hasLayout()) {
            return Map.of();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (RoleSpec r : dir.read().roles()) {
            processes.running(r.name()).ifPresent(h -> out.put(r.name(), h.pid()));
        }
        return out;
    }

    /**
     * Starts a new cluster (or the one recorded in the folder again, on its data) and waits until
     * every role answers. Fails, having started nothing that keeps running, when any role of the
     * folder still runs, a port is taken, or a role does not come up.
     */
    public ClusterLayout up(int shardServers, boolean freePorts, boolean fresh) throws IOException, InterruptedException {
        return up(shardServers, freePorts, fresh, UnaryOperator.identity());
    }

    /** As {@link #up(int, boolean, boolean)}, with the layout adjusted by {@code tune} (e.g. extra environment) before it starts. */
    public ClusterLayout up(int shardServers, boolean freePorts, boolean fresh, UnaryOperator<ClusterLayout> tune)
            throws IOException, InterruptedException {
        Map<String, Long> live = running();
        if (!live.isEmpty()) {
            throw new IllegalStateException("a cluster is already running in " + dir.root() + " (" + live.entrySet().stream()
                    .map(e -> e.getKey() + " pid " + e.getValue()).collect(Collectors.joining(", "))
                    + "); stop it first with: quarry cluster down --dir " + dir.root());
        }
        if (fresh) {
            FileTrees.delete(dir.data());
        }
        dir.prepare();
        ClusterLayout layout = tune.apply(ClusterLayout.local(shardServers,
                freePorts ? ClusterLayout.Ports.free() : ClusterLayout.Ports.defaults(), dir.data(), dir.cursorSecret()));
        for (RoleSpec r : layout.roles()) {
            for (int port : ports(r)) {
                if (!portFree(port)) {
                    throw new IllegalStateException("port " + port + " (" + r.name() + ") is already in use on 127.0.0.1"
                            + (freePorts ? "" : " — is `quarry dev` or another cluster running? Stop it, or use --free-ports"));
                }
            }
        }
        dir.write(layout);
        List<RoleSpec> started = new ArrayList<>();
        try {
            for (List<RoleSpec> stage : startStages(layout.roles())) {
                startAndAwait(stage, started);
                if (stage.get(0).kind() == RoleKind.META) {
                    awaitMetaLeader(layout.metaAddresses());
                }
            }
            return layout;
        } catch (IOException | RuntimeException | InterruptedException e) {
            out.println("start-up failed; stopping the " + started.size() + " role(s) already started");
            stopInOrder(started, Duration.ofSeconds(20));
            throw e;
        }
    }

    /** Starts the named roles of the recorded layout again (they must not be running), waiting until they answer. */
    public void start(List<String> names) throws IOException, InterruptedException {
        ClusterLayout layout = dir.read();
        List<RoleSpec> roles = names.stream().map(layout::role).toList();
        for (RoleSpec r : roles) {
            Optional<ProcessHandle> h = processes.running(r.name());
            if (h.isPresent()) {
                throw new IllegalStateException(r.name() + " is already running (pid " + h.get().pid() + ")");
            }
        }
        for (List<RoleSpec> stage : startStages(roles)) {
            startAndAwait(stage, new ArrayList<>());
        }
    }

    /** Stops the named roles gracefully (in stop order), SIGKILL after {@code grace}. */
    public List<RoleProcesses.Stopped> stop(List<String> names, Duration grace) throws IOException, InterruptedException {
        ClusterLayout layout = dir.read();
        return stopInOrder(names.stream().map(layout::role).toList(), grace);
    }

    /** SIGKILLs the named role at once (no shutdown hook runs: a crash); false if it was not running. */
    public boolean kill(String name) throws InterruptedException {
        Optional<ProcessHandle> h = processes.running(name);
        if (h.isEmpty()) {
            return false;
        }
        h.get().destroyForcibly();
        h.get().onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
        return true;
    }

    /** Stops every role: coordinator and suggest first, then shard servers, raft-meta, Kafka last. */
    public List<RoleProcesses.Stopped> down(Duration grace) throws IOException, InterruptedException {
        return stopInOrder(dir.read().roles(), grace);
    }

    private List<RoleProcesses.Stopped> stopInOrder(List<RoleSpec> roles, Duration grace) throws InterruptedException {
        Map<Integer, List<RoleSpec>> byRank = new TreeMap<>(roles.stream().collect(Collectors.groupingBy(r -> r.kind().stopRank())));
        List<RoleProcesses.Stopped> out = new ArrayList<>();
        for (List<RoleSpec> group : byRank.values()) {
            out.addAll(processes.stop(group, grace));
        }
        return out;
    }

    /** Start order: the reverse of the stop order, one stage per rank. */
    private static List<List<RoleSpec>> startStages(List<RoleSpec> roles) {
        Map<Integer, List<RoleSpec>> byRank = new TreeMap<>(Comparator.reverseOrder());
        roles.forEach(r -> byRank.computeIfAbsent(r.kind().stopRank(), k -> new ArrayList<>()).add(r));
        return List.copyOf(byRank.values());
    }

    private void startAndAwait(List<RoleSpec> stage, List<RoleSpec> started) throws IOException, InterruptedException {
        Map<RoleSpec, Process> launched = new LinkedHashMap<>();
        for (RoleSpec r : stage) {
            launched.put(r, processes.launch(r));
            started.add(r);
        }
        for (Map.Entry<RoleSpec, Process> e : launched.entrySet()) {
            awaitReady(e.getKey(), e.getValue());
        }
    }

    private void awaitReady(RoleSpec r, Process p) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                out.println(r.name() + " exited; the end of " + dir.log(r.name()) + ":" + lastLines(dir.log(r.name())));
                throw new IllegalStateException(r.name() + " exited during start-up (exit code " + p.exitValue() + "); see "
                        + dir.log(r.name()));
            }
            if (answers(r)) {
                out.printf("  %-12s ready in %4.1f s (pid %d)%n", r.name(), (System.nanoTime() - t0) / 1e9, p.pid());
                return;
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
        out.println(r.name() + " does not answer; the end of " + dir.log(r.name()) + ":" + lastLines(dir.log(r.name())));
        throw new IllegalStateException(r.name() + " did not answer on port " + r.readyPort() + " within " + READY_TIMEOUT.toSeconds()
                + " s; see " + dir.log(r.name()));
    }

    private boolean answers(RoleSpec r) throws InterruptedException {
        if (!r.httpHealth()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", r.readyPort()), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        try {
            HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.readyPort() + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return resp.statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitMetaLeader(String metaAddresses) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (MetaClient meta = MetaClient.connect(metaAddresses)) {
            while (System.nanoTime() < deadline) {
                try {
                    String leader = meta.metaStatus().getLeaderId();
                    if (!leader.isEmpty()) {
                        out.println("  raft-meta    leader " + leader);
                        return;
                    }
                } catch (StatusRuntimeException e) {
                    // not yet: peers still electing
                }
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            }
        }
        throw new IllegalStateException("raft-meta elected no leader within " + READY_TIMEOUT.toSeconds() + " s; see the meta-*.log files in "
                + dir.root().resolve("logs"));
    }

    /** Every port the role binds: its *_PORT settings and, for a raft-meta peer, its Raft port. */
    static List<Integer> ports(RoleSpec r) {
        List<Integer> ports = new ArrayList<>();
        r.env().forEach((k, v) -> {
            if (k.endsWith("_PORT")) {
                ports.add(Integer.parseInt(v));
            }
        });
        if (r.kind() == RoleKind.META) {
            String self = r.env("QUARRY_META_ID") + "=";
            for (String peer : r.env("QUARRY_META_PEERS").split(",")) {
                if (peer.startsWith(self)) {
                    ports.add(Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1)));
                }
            }
        }
        return ports;
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

}
