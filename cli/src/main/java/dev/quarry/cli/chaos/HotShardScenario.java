package dev.quarry.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.cluster.ClusterDir;
import dev.quarry.cli.cluster.ClusterLayout;
import dev.quarry.cli.cluster.LocalCluster;
import dev.quarry.cli.cluster.RoleKind;
import dev.quarry.cli.cluster.RoleSpec;
import dev.quarry.cli.util.JsonLines;
import dev.quarry.cli.util.Poll;
import dev.quarry.common.meta.MetaClient;
import dev.quarry.ingest.routing.Partitioner;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.NodeStatus;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SetFaultRequest;
import dev.quarry.proto.v1.ShardServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code quarry chaos hot-shard}: a fresh local multi-process cluster, the corpus loaded, then the
 * {@link HotShardTimeline} — steady interactive load and acknowledged writes, an update storm on
 * one shard plus a batch flood, 50 ms of latency in one of its replicas, {@code kill -9} of another
 * replica's shard server and of the raft-meta leader, restarts — and at the end the
 * {@link Invariants}. With mitigations off the coordinator picks replicas at random, does not
 * hedge, admits everything, and raft-meta adds no hot-shard replica; the timeline is the same.
 *
 * <p>Thread-safety: one run at a time (it owns its cluster folder).
 */
public final class HotShardScenario {
    public static final String INDEX = "packages";
    /** The shard the storm targets. */
    public static final int HOT_SHARD = 0;
    static final long LEASE_MS = 6_000;
    static final long WARM_P99_MS = 500;
    private static final Duration POLL = Duration.ofMillis(500);
    static final int WARM_MAX_S = 120;
    static final int REHEARSAL_S = 20;
    /** The injected latency, and the detector's threshold: well under it, so a replica slowed by it clearly counts as hot. */
    static final long FAULT_LATENCY_MS = 50;
    static final long HOT_LATENCY_MS = 30;

    /**
     * @param durationSec      length of the load
     * @param mitigations      adaptive replica selection, hedging, admission control, hot-shard replicas
     * @param clusterDir       the cluster's folder (wiped first)
     * @param shardServers     shard server processes (at least 3: the hot shard needs a node to grow onto)
     * @param interactiveQps   offered interactive queries per second
     * @param writesPerSecond  steady synchronous writes per second
     * @param stormPerSecond   updates per second to the hot shard during the storm
     * @param floodClients     closed-loop batch clients during the storm
     * @param batchRate        with mitigations: the batch client's token bucket, requests per second
     */
    public record Options(int durationSec, boolean mitigations, Path clusterDir, int shardServers, double interactiveQps,
                          double writesPerSecond, double stormPerSecond, int floodClients, double batchRate) {
        public Options {
            new HotShardTimeline(durationSec); // validates
            if (shardServers < 3) {
                throw new IllegalArgumentException("the hot-shard scenario needs at least 3 shard servers, got " + shardServers);
            }
            if (interactiveQps <= 0 || writesPerSecond <= 0 || stormPerSecond <= 0 || floodClients < 0 || batchRate <= 0) {
                throw new IllegalArgumentException("rates must be positive");
            }
        }

        public String runName() {
            return mitigations ? "mitigated" : "no-mitigation";
        }
    }

    /** Loads the corpus into a running cluster (index created, all searchable); returns the documents loaded. */
    public interface CorpusLoader {
        long load(ClusterLayout layout) throws Exception;
    }

    private final Options options;
    private final Supplier<InputStream> corpus;
    private final CorpusLoader loader;
    private final PrintStream out;
    private final HotShardTimeline timeline;
    private final List<ChaosRun.FaultEvent> faults = new ArrayList<>();
    private double loadEndSec;

    public HotShardScenario(Options options, Supplier<InputStream> corpus, CorpusLoader loader, PrintStream out) {
        this.options = options;
        this.corpus = corpus;
        this.loader = loader;
        this.out = out;
        this.timeline = new HotShardTimeline(options.durationSec());
    }

    /** The environment that turns the mitigations on or off, and tunes the hot-shard detector to the run's length. */
    ClusterLayout tune(ClusterLayout layout) {
        long hotForMs = Math.max(3_000, options.durationSec() * 40L);
        long coolForMs = Math.max(5_000, options.durationSec() * 60L);
        ClusterLayout l = layout.withEnv(RoleKind.SHARD, Map.of("QUARRY_FAULT_INJECTION", "1"));
        // A 2-core machine running eleven JVMs under a query flood can stall a heartbeat for seconds; a 6 s lease
        // (heartbeats every second) keeps live nodes from being fenced, and still notices a killed one within seconds.
        l = l.withEnv(RoleKind.META, Map.of("QUARRY_META_LEASE_MS", Long.toString(LEASE_MS)));
        if (options.mitigations()) {
            l = l.withEnv(RoleKind.META, Map.of("QUARRY_META_HOT_SHARDS", "on", "QUARRY_META_HOT_LATENCY_MS", Long.toString(HOT_LATENCY_MS),
                    "QUARRY_META_HOT_APPLY_LAG", "400", "QUARRY_META_HOT_FOR_MS", Long.toString(hotForMs),
                    "QUARRY_META_COOL_FOR_MS", Long.toString(coolForMs)));
            l = l.withEnv(RoleKind.COORDINATOR, Map.of("QUARRY_CLIENT_RATES", "chaos-batch=" + options.batchRate() + ":" + options.batchRate(),
                    "QUARRY_ADMISSION_MAX_CONCURRENT", "32"));
        } else {
            l = l.withEnv(RoleKind.META, Map.of("QUARRY_META_HOT_SHARDS", "off"));
            l = l.withEnv(RoleKind.COORDINATOR, Map.of("QUARRY_REPLICA_SELECTION", "random", "QUARRY_HEDGING", "off",
                    "QUARRY_ADMISSION_MAX_CONCURRENT", "100000", "QUARRY_ADMISSION_MAX_QUEUE", "100000",
                    "QUARRY_ADMISSION_MAX_BATCH_QUEUE", "100000", "QUARRY_ADMISSION_MAX_QUEUE_WAIT_MS", "60000"));
        }
        return l;
    }

    /** Runs the scenario and returns what it measured; the cluster is left running only if {@code keep}. */
    public ChaosRun run(boolean keep) throws Exception {
        LocalCluster cluster = new LocalCluster(new ClusterDir(options.clusterDir()), out);
        out.printf("hot-shard chaos, %s, %d s: starting a cluster of %d shard servers in %s%n", options.runName(), options.durationSec(),
                options.shardServers(), options.clusterDir());
        ClusterLayout layout = cluster.up(options.shardServers(), true, true, this::tune);
        try {
            return runOn(cluster, layout);
        } finally {
            if (!keep) {
                out.println("stopping the cluster ...");
                cluster.down(Duration.ofSeconds(30));
            } else {
                out.println("cluster left running: quarry cluster down --dir " + options.clusterDir());
            }
        }
    }

    private ChaosRun runOn(LocalCluster cluster, ClusterLayout layout) throws Exception {
        long docsLoaded = loader.load(layout);
        IndexSchema schema = IndexSchema.parse(new String(HotShardScenario.class.getResourceAsStream("/sample/npm-schema.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8));
        List<LoadDriver.Doc> docs = readCorpus();
        List<LoadDriver.Doc> hot = docs.stream()
                .filter(d -> LogOracle.shardOf(Partitioner.partitionFor(d.id(), schema.partitions()), schema) == HOT_SHARD).toList();
        List<String> queries = QueryGenerator.generate(docs.stream().map(d -> d.name() + " " + d.description()).toList(), 500, 7);
        out.printf("corpus: %,d documents (%,d on hot shard %s/%d), %d generated queries%n", docs.size(), hot.size(), INDEX, HOT_SHARD,
                queries.size());
        ManagedChannel coord = NettyChannelBuilder.forTarget(layout.coordinator()).usePlaintext().build();
        MetaClient meta = MetaClient.connect(layout.metaAddresses());
        awaitSettled(coord, meta, schema.replicas() * schema.shards(), Duration.ofSeconds(180));
        warmUp(coord, layout, queries, docs, hot);
        awaitSettled(coord, meta, schema.replicas() * schema.shards(), Duration.ofSeconds(180)); // the rehearsal's lag drained
        Instant started = Instant.now();
        ClientLog log = new ClientLog(System.nanoTime());
        ChaosRun.MitigationStats mitigation;
        try (ClusterProbe probe = new ClusterProbe(coord, meta, INDEX, HOT_SHARD, log);
             LoadDriver load = new LoadDriver(coord, layout.kafkaBootstrap(), INDEX, log, queries, docs, hot)) {
            load.startSteady(options.interactiveQps(), options.writesPerSecond());
            mitigation = followTimeline(cluster, layout, coord, log, load, probe);
        }
        out.println("load stopped; waiting until the cluster is healthy ...");
        double healthyAfter = awaitHealthy(coord, log, Duration.ofSeconds(Math.max(120, options.durationSec())));
        List<ClientLog.Query> queriesLog = log.queries();
        List<ChaosRun.Phase> phases = actualPhases();
        int seconds = (int) Math.ceil(phases.get(phases.size() - 1).endSec());
        List<ChaosRun.PhaseStats> phaseStats = RunAnalysis.phaseStats(phases, queriesLog, log.writes());
        List<ChaosRun.InvariantResult> invariants = new ArrayList<>();
        LogOracle oracle = LogOracle.read(layout.kafkaBootstrap(), INDEX, schema);
        invariants.add(Invariants.acknowledgedWrites(coord, INDEX, oracle, log.writes(), log.writeErrors()));
        invariants.addAll(Invariants.replicas(coord, INDEX, oracle, 60_000));
        invariants.add(Invariants.metaPeers(Arrays.asList(layout.metaAddresses().split(",")), 30_000));
        if (options.mitigations()) { // without them, what clients saw is the comparison, not a promise
            invariants.add(Invariants.errorRate(phaseStats, log.errorsByStatus()));
            invariants.add(Invariants.hotLatency(phaseStats));
        }
        invariants.add(new ChaosRun.InvariantResult("cluster healthy again after the run", !Double.isNaN(healthyAfter),
                Double.isNaN(healthyAfter) ? "not healthy in time" : String.format("all replicas started, lag 0, all nodes alive at t = %.0f s", healthyAfter)));
        coord.shutdownNow();
        meta.close();
        int shards = schema.shards();
        return new ChaosRun("hot-shard", options.runName(), options.mitigations(), started.toString(), options.durationSec(),
                new ChaosRun.ClusterShape(1, layout.ofKind(RoleKind.META).size(), options.shardServers(), shards, schema.replicas(), docsLoaded),
                INDEX + "/" + HOT_SHARD, phases, faults,
                RunAnalysis.samples(seconds, queriesLog, log.writes(), log.readings()), phaseStats, mitigation, invariants);
    }

    /**
     * The phases as they happened: the storm's start, the first kill and the storm's end as recorded (a control call to a loaded cluster can make
     * a step late, and everything after it moves with it), the end where the load stopped.
     */
    private List<ChaosRun.Phase> actualPhases() {
        double stormStart = faults.stream().filter(f -> f.kind().equals("STORM_START")).mapToDouble(ChaosRun.FaultEvent::atSec).findFirst()
                .orElse(timeline.hotStart());
        double firstKill = faults.stream().filter(f -> f.kind().equals("KILL")).mapToDouble(ChaosRun.FaultEvent::atSec).findFirst()
                .orElse(timeline.killReplicaAt());
        double stormEnd = faults.stream().filter(f -> f.kind().equals("STORM_END")).mapToDouble(ChaosRun.FaultEvent::atSec).findFirst()
                .orElse(timeline.hotEnd());
        double end = Math.max(options.durationSec(), loadEndSec);
        return HotShardTimeline.phases(stormStart, firstKill, stormEnd, end);
    }

    /** Plays the timeline; returns what the mitigations did. */
    private ChaosRun.MitigationStats followTimeline(LocalCluster cluster, ClusterLayout layout, ManagedChannel coord, ClientLog log,
                                                   LoadDriver load, ClusterProbe probe) throws Exception {
        RoleSpec coordinator = layout.ofKind(RoleKind.COORDINATOR).get(0);
        int coordMetrics = Integer.parseInt(coordinator.env("QUARRY_COORDINATOR_METRICS_PORT"));
        PrometheusScrape before = PrometheusScrape.of("127.0.0.1", coordMetrics);
        ProgressPrinter progress = new ProgressPrinter(log, out);
        progress.waitUntil(timeline.hotStart());
        load.startStorm(options.stormPerSecond());
        load.startFlood(options.floodClients());
        event(log, "STORM_START", INDEX + "/" + HOT_SHARD, String.format("%.0f updates/s to its keys + %d batch clients",
                options.stormPerSecond(), options.floodClients()));

        progress.waitUntil(timeline.latencyAt());
        List<ReplicaStatus> hotReplicas = retrying("read the hot shard's replicas", () -> startedReplicas(coord, HOT_SHARD));
        if (hotReplicas.size() < 2) {
            throw new IllegalStateException("the hot shard has fewer than 2 started replicas at the fault time: " + hotReplicas);
        }
        String slowNode = hotReplicas.get(0).getNode();
        String killNode = hotReplicas.get(1).getNode();
        retrying("inject latency", () -> setDelay(coord, slowNode, FAULT_LATENCY_MS));
        PrometheusScrape slowFrom = PrometheusScrape.of("127.0.0.1", coordMetrics);
        event(log, "LATENCY", slowNode, FAULT_LATENCY_MS + " ms added to every query of its replica of " + INDEX + "/" + HOT_SHARD);

        progress.waitUntil(timeline.killReplicaAt());
        cluster.kill(killNode);
        event(log, "KILL", killNode, "kill -9 of the shard server holding another replica of " + INDEX + "/" + HOT_SHARD);

        progress.waitUntil(timeline.killMetaLeaderAt());
        String leaderRole = retrying("find the raft-meta leader", () -> metaLeaderRole(layout, coord));
        cluster.kill(leaderRole);
        event(log, "KILL", leaderRole + " (leader)", "kill -9 of the raft-meta leader");

        progress.waitUntil(timeline.restartAt());
        event(log, "RESTART", killNode + ", " + leaderRole, "both processes started again");
        // Started in the background: on two cores a JVM takes tens of seconds to answer, and the timeline goes on meanwhile.
        Thread restart = Thread.ofPlatform().name("chaos-restart").start(() -> {
            try {
                cluster.start(List.of(killNode, leaderRole));
                event(log, "READY", killNode + ", " + leaderRole, "both restarted processes answer");
            } catch (Exception e) {
                event(log, "RESTART_FAILED", killNode + ", " + leaderRole, e.getMessage());
            }
        });

        progress.waitUntil(timeline.hotEnd());
        PrometheusScrape slowTo = PrometheusScrape.of("127.0.0.1", coordMetrics);
        retrying("clear the latency", () -> setDelay(coord, slowNode, 0));
        event(log, "LATENCY_CLEARED", slowNode, "injected latency removed");
        load.stopStorm();
        load.stopFlood();
        event(log, "STORM_END", INDEX + "/" + HOT_SHARD, "storm and flood stopped");

        // The recovery phase keeps its planned length even when an earlier step ran late.
        loadEndSec = Math.max(options.durationSec(), log.now() / 1000.0 + (timeline.durationSec() - timeline.hotEnd()));
        progress.waitUntil(loadEndSec);
        restart.join(TimeUnit.MINUTES.toMillis(3));
        PrometheusScrape after = PrometheusScrape.of("127.0.0.1", coordMetrics);
        double[] extra = probe.extraAddedAndRetired();
        return new ChaosRun.MitigationStats(
                (long) (after.sum("quarry_coordinator_hedges_sent_total") - before.sum("quarry_coordinator_hedges_sent_total")),
                (long) (after.sum("quarry_coordinator_hedges_won_total") - before.sum("quarry_coordinator_hedges_won_total")),
                slowShare(slowFrom, slowTo, slowNode),
                log.readings().stream().mapToInt(ClientLog.HotShardReading::replicas).max().orElse(-1),
                extra[0], extra[1], lagDrainedAt(log));
    }

    /** Runs a control call of the timeline, retrying (a loaded cluster can answer slowly) for up to a minute. */
    private <T> T retrying(String what, Supplier<T> call) throws Exception {
        return Poll.until(Duration.ofMinutes(1), POLL, StatusRuntimeException.class, () -> {
            try {
                return Optional.of(call.get());
            } catch (StatusRuntimeException e) {
                out.printf("  (could not %s: %s; retrying)%n", what, e.getStatus().getCode());
                throw e;
            }
        }).orElseThrow();
    }

    /** Share of the hot shard's calls that went to the slow replica while it was slow. */
    private static double slowShare(PrometheusScrape from, PrometheusScrape to, String slowNode) {
        String name = "quarry_coordinator_replica_calls_total";
        String idx = "index=\"" + INDEX + "\"";
        String shard = "shard=\"" + HOT_SHARD + "\"";
        double all = to.sum(name, idx, shard) - from.sum(name, idx, shard);
        double slow = to.sum(name, idx, shard, "node=\"" + slowNode + "\"") - from.sum(name, idx, shard, "node=\"" + slowNode + "\"");
        return all <= 0 ? Double.NaN : slow / all;
    }

    private double lagDrainedAt(ClientLog log) {
        for (ClientLog.HotShardReading r : log.readings()) {
            if (r.tMillis() >= timeline.hotEnd() * 1000 && r.maxLag() >= 0 && r.maxLag() < 1_000) {
                return r.tMillis() / 1000.0;
            }
        }
        return Double.NaN;
    }

    private synchronized void event(ClientLog log, String kind, String target, String detail) {
        double t = log.now() / 1000.0;
        faults.add(new ChaosRun.FaultEvent(Math.round(t * 10) / 10.0, kind, target, detail));
        out.printf("  t=%5.1f s  %-15s %-20s %s%n", t, kind, target, detail);
    }

    /** The index's cluster status through the coordinator, fingerprints skipped. */
    private static ClusterStatusResponse status(ManagedChannel coord) {
        return AdminServiceGrpc.newBlockingStub(coord).withDeadlineAfter(10, TimeUnit.SECONDS)
                .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(INDEX).setSkipFingerprint(true).build());
    }

    /** Every node alive, a raft-meta leader, every replica STARTED, caught up (lag known and 0) and reachable. */
    private static boolean healthy(ClusterStatusResponse st) {
        return !st.getMetaLeader().isEmpty() && st.getNodesList().stream().allMatch(NodeStatus::getAlive)
                && st.getReplicasList().stream().allMatch(r -> r.getState().equals("STARTED") && r.getLag() == 0 && r.getError().isEmpty());
    }

    private static List<ReplicaStatus> startedReplicas(ManagedChannel coord, int shard) {
        return status(coord).getReplicasList().stream().filter(r -> r.getShard() == shard && r.getState().equals("STARTED"))
                .sorted(java.util.Comparator.comparing(ReplicaStatus::getNode)).toList();
    }

    private static boolean setDelay(ManagedChannel coord, String node, long delayMs) {
        String address = status(coord).getNodesList().stream().filter(n -> n.getId().equals(node)).map(NodeStatus::getAddress).findFirst()
                .orElseThrow(() -> new IllegalStateException("node " + node + " is not in the cluster state"));
        ManagedChannel ch = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        try {
            ShardServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .setFault(SetFaultRequest.newBuilder().setIndex(INDEX).setShard(HOT_SHARD).setQueryDelayMs(delayMs).build());
            return true;
        } finally {
            ch.shutdownNow();
        }
    }

    private static String metaLeaderRole(ClusterLayout layout, ManagedChannel coord) {
        String leader = status(coord).getMetaLeader();
        return layout.ofKind(RoleKind.META).stream().filter(r -> r.env("QUARRY_META_ID").equals(leader)).map(RoleSpec::name).findFirst()
                .orElseThrow(() -> new IllegalStateException("raft-meta reports leader '" + leader + "', which is none of the cluster's peers"));
    }

    /** Waits until the cluster is {@link #healthy}; the time (s since t0) it got there, NaN on timeout. */
    private static double awaitHealthy(ManagedChannel coord, ClientLog log, Duration timeout) throws Exception {
        return Poll.until(timeout, POLL, StatusRuntimeException.class,
                () -> healthy(status(coord)) ? Optional.of(log.now() / 1000.0) : Optional.<Double>empty()).orElse(Double.NaN);
    }

    /**
     * Load before {@code t = 0}, not recorded, so that what is measured is a running cluster rather than eleven fresh
     * JVMs compiling their hot paths (on two cores that alone takes minutes of CPU): first the steady load until the
     * cluster serves it, then a rehearsal of the storm and the batch flood ({@value #REHEARSAL_S} s, without faults),
     * whose code paths (bulk apply, merges, shedding, hedging) would otherwise be compiled during the hot phase, then the
     * steady load again until it is served as before. Served means a 5 s window with at least 98% of the interactive
     * queries answered and their p99 under {@value #WARM_P99_MS} ms; each wait gives up (and says so) after
     * {@value #WARM_MAX_S} s.
     */
    private void warmUp(ManagedChannel coord, ClusterLayout layout, List<String> queries, List<LoadDriver.Doc> docs,
                        List<LoadDriver.Doc> hot) throws InterruptedException {
        out.println("warming up (not recorded): steady load ...");
        ClientLog scratch = new ClientLog(System.nanoTime());
        try (LoadDriver warm = new LoadDriver(coord, layout.kafkaBootstrap(), INDEX, scratch, queries, docs, hot)) {
            warm.startSteady(options.interactiveQps(), options.writesPerSecond());
            untilServed(scratch);
            out.printf("warming up (not recorded): rehearsing the storm (%.0f updates/s) and the batch flood for %d s ...%n",
                    options.stormPerSecond(), REHEARSAL_S);
            warm.startStorm(options.stormPerSecond());
            warm.startFlood(options.floodClients());
            TimeUnit.SECONDS.sleep(REHEARSAL_S);
            warm.stopStorm();
            warm.stopFlood();
            out.println("warming up (not recorded): steady load again ...");
            untilServed(scratch);
        }
    }

    /** Waits (at least 15 s) until the last 5 s of {@code scratch} show the steady load served, or {@value #WARM_MAX_S} s passed. */
    private void untilServed(ClientLog scratch) throws InterruptedException {
        TimeUnit.SECONDS.sleep(10);
        for (int s = 15; s <= WARM_MAX_S; s += 5) {
            TimeUnit.SECONDS.sleep(5);
            long from = scratch.now() - 5_000;
            List<ClientLog.Query> window = scratch.queries().stream().filter(q -> q.interactive() && q.tMillis() >= from).toList();
            long[] lat = window.stream().filter(q -> q.outcome() == ClientLog.Outcome.OK).mapToLong(ClientLog.Query::latencyMicros).sorted().toArray();
            double p99 = RunAnalysis.pct(lat, 0.99);
            out.printf("  warm-up %3d s: %d of %d queries answered in the last 5 s, p99 %.0f ms%n", s, lat.length, window.size(), p99);
            if (!window.isEmpty() && lat.length >= 0.98 * window.size() && p99 < WARM_P99_MS) {
                return;
            }
        }
        out.printf("  the cluster did not keep up with %.0f queries/s and %.0f writes/s within %d s; measuring anyway%n",
                options.interactiveQps(), options.writesPerSecond(), WARM_MAX_S);
    }

    /**
     * Before the baseline: every node alive, every replica STARTED without lag, and no shard holding an extra replica
     * (the bulk load itself can make shards "hot" by apply lag; the detector gives the extra replica back once cool).
     */
    private void awaitSettled(ManagedChannel coord, MetaClient meta, int totalReplicas, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        String[] last = {""};
        boolean settled = Poll.until(timeout, POLL, StatusRuntimeException.class, () -> {
            ClusterStatusResponse st = status(coord);
            long extra = meta.getState(false).getIndicesMap().get(INDEX).getShardsList().stream()
                    .mapToInt(dev.quarry.proto.v1.ShardInfo::getExtraReplicas).sum();
            last[0] = String.format("%d replicas (want %d), healthy %s, extra replicas %d", st.getReplicasCount(), totalReplicas, healthy(st), extra);
            return healthy(st) && extra == 0 && st.getReplicasCount() == totalReplicas ? Optional.of(true) : Optional.<Boolean>empty();
        }).isPresent();
        if (!settled) {
            throw new IllegalStateException("the cluster did not settle after loading within " + timeout.toSeconds() + " s: " + last[0]);
        }
        out.printf("cluster settled in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private List<LoadDriver.Doc> readCorpus() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<LoadDriver.Doc> out = new ArrayList<>();
        try (InputStream in = corpus.get(); BufferedReader r = JsonLines.reader(in)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                out.add(new LoadDriver.Doc(n.path("id").asText(), n.path("name").asText(), n.path("description").asText()));
            }
        }
        return out;
    }

    /** Prints a line every 10 s while waiting for the next point of the timeline. */
    private static final class ProgressPrinter {
        private final ClientLog log;
        private final PrintStream out;
        private long nextPrint = 10_000;
        private int seen;

        ProgressPrinter(ClientLog log, PrintStream out) {
            this.log = log;
            this.out = out;
        }

        void waitUntil(double tSec) throws InterruptedException {
            while (log.now() < tSec * 1000) {
                if (log.now() >= nextPrint) {
                    print();
                    nextPrint = (log.now() / 10_000 + 1) * 10_000;
                }
                TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(200, (long) (tSec * 1000) - log.now())));
            }
        }

        private void print() {
            List<ClientLog.Query> qs = log.queries();
            List<ClientLog.Query> recent = qs.subList(Math.min(seen, qs.size()), qs.size());
            seen = qs.size();
            long[] lat = recent.stream().filter(q -> q.interactive() && q.outcome() == ClientLog.Outcome.OK)
                    .mapToLong(ClientLog.Query::latencyMicros).sorted().toArray();
            Map<String, Long> counts = new LinkedHashMap<>();
            for (ClientLog.Query q : recent) {
                counts.merge((q.interactive() ? "interactive " : "batch ") + q.outcome().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
            }
            List<ClientLog.HotShardReading> rs = log.readings();
            ClientLog.HotShardReading last = rs.isEmpty() ? null : rs.get(rs.size() - 1);
            out.printf("  t=%5.1f s  interactive p99 %6.1f ms  %s  hot shard: %s replicas, lag %s%s%n", log.now() / 1000.0,
                    RunAnalysis.pct(lat, 0.99), counts, last == null ? "?" : last.replicas(), last == null ? "?" : last.maxLag(),
                    log.errorsByStatus().isEmpty() ? "" : "  errors so far " + log.errorsByStatus());
        }
    }
}
