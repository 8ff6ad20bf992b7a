package dev.quarry.cli.chaos;

import dev.quarry.cli.util.Poll;
import dev.quarry.common.meta.MetaClient;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.GetRequest;
import dev.quarry.proto.v1.GetResponse;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The end-of-run checks of the hot-shard scenario; each gives a {@link ChaosRun.InvariantResult}
 * with the numbers behind it. Data checks compare against {@link LogOracle}, which reads the log
 * independently of the shard servers.
 * Thread-safety: stateless.
 */
final class Invariants {
    /** At most this share of interactive queries may fail other than by shedding. */
    static final double MAX_ERROR_RATE = 0.005;
    /** With mitigations, the hot phase's interactive p99 may be at most this many times the baseline's. */
    static final double MAX_P99_RATIO = 3.0;
    /** Acknowledged writes also read back through the coordinator (a sample: every one is checked against the oracle). */
    static final int GET_SAMPLE = 300;

    private Invariants() {}

    /**
     * Every replica's fingerprint against the oracle's, and the replicas of each shard against each other. A
     * fingerprint is of the replica's current searcher, which shows its last applied writes only after its next
     * refresh (up to a refresh interval, longer on a busy machine, after "lag 0"): so the comparison is repeated
     * for up to {@code settleMs} until it holds; a replica that really differs still fails, with the last look.
     */
    static List<ChaosRun.InvariantResult> replicas(ManagedChannel coordinator, String index, LogOracle oracle, long settleMs) throws Exception {
        List<List<ChaosRun.InvariantResult>> last = new ArrayList<>(List.of(List.of()));
        long t0 = System.nanoTime();
        Poll.until(java.time.Duration.ofMillis(settleMs), java.time.Duration.ofMillis(500), StatusRuntimeException.class, () -> {
            List<ChaosRun.InvariantResult> r = replicasOnce(coordinator, index, oracle);
            last.set(0, r);
            return r.stream().allMatch(ChaosRun.InvariantResult::passed) ? java.util.Optional.of(true) : java.util.Optional.<Boolean>empty();
        });
        double waited = (System.nanoTime() - t0) / 1e9;
        return waited < 1 ? last.get(0) : last.get(0).stream()
                .map(r -> new ChaosRun.InvariantResult(r.name(), r.passed(), r.detail() + String.format(" (looked for %.0f s)", waited))).toList();
    }

    private static List<ChaosRun.InvariantResult> replicasOnce(ManagedChannel coordinator, String index, LogOracle oracle) {
        ClusterStatusResponse st = AdminServiceGrpc.newBlockingStub(coordinator).withDeadlineAfter(60, TimeUnit.SECONDS)
                .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(index).build());
        Map<Integer, String> want = oracle.fingerprints();
        Map<Integer, List<String>> byShard = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (ReplicaStatus r : st.getReplicasList()) {
            if (r.getState().equals("RETIRING")) {
                continue;
            }
            byShard.computeIfAbsent(r.getShard(), k -> new ArrayList<>()).add(r.getFingerprint());
            if (!r.getFingerprint().equals(want.get(r.getShard()))) {
                wrong.add(r.getShard() + "@" + r.getNode() + " " + r.getState() + " " + (r.getFingerprint().isEmpty() ? r.getError() : r.getFingerprint())
                        + " != " + want.get(r.getShard()));
            }
        }
        List<String> disagree = new ArrayList<>();
        byShard.forEach((shard, fps) -> {
            if (fps.stream().distinct().count() != 1) {
                disagree.add("shard " + shard + ": " + fps);
            }
        });
        int replicas = byShard.values().stream().mapToInt(List::size).sum();
        return List.of(
                new ChaosRun.InvariantResult("replicas of each shard have equal fingerprints", disagree.isEmpty(),
                        disagree.isEmpty() ? replicas + " replicas of " + byShard.size() + " shards agree" : String.join("; ", disagree)),
                new ChaosRun.InvariantResult("every replica holds the log's final state (oracle fingerprint)", wrong.isEmpty(),
                        wrong.isEmpty() ? "all " + replicas + " replicas equal the oracle replaying " + oracle.records() + " records"
                                : String.join("; ", wrong)));
    }

    /** Every acknowledged write is in the oracle's final state at its version or newer; a sample is also read back through Get. */
    static ChaosRun.InvariantResult acknowledgedWrites(ManagedChannel coordinator, String index, LogOracle oracle, List<ClientLog.AckedWrite> acked,
                                                        long unacknowledged) {
        Map<String, Long> newestAck = new HashMap<>();
        for (ClientLog.AckedWrite w : acked) {
            newestAck.merge(w.id(), w.version(), Math::max);
        }
        List<String> missing = new ArrayList<>();
        newestAck.forEach((id, v) -> {
            LogOracle.State s = oracle.state(id);
            if (s == null || s.deleted() || s.version() < v) {
                missing.add(id + "@" + v + " (log has " + (s == null ? "nothing" : (s.deleted() ? "a delete" : "version " + s.version())) + ")");
            }
        });
        List<String> ids = new ArrayList<>(newestAck.keySet());
        Collections.shuffle(ids, new Random(42));
        SearchServiceGrpc.SearchServiceBlockingStub search = SearchServiceGrpc.newBlockingStub(coordinator);
        int checked = 0;
        for (String id : ids.subList(0, Math.min(GET_SAMPLE, ids.size()))) {
            try {
                GetResponse g = search.withDeadlineAfter(10, TimeUnit.SECONDS).get(GetRequest.newBuilder().setIndex(index).setId(id).build());
                if (!g.getFound() || g.getVersion() < newestAck.get(id)) {
                    missing.add(id + "@" + newestAck.get(id) + " (Get: " + (g.getFound() ? "version " + g.getVersion() : "not found") + ")");
                }
                checked++;
            } catch (StatusRuntimeException e) {
                missing.add(id + " (Get failed: " + e.getStatus().getCode() + ")");
            }
        }
        return new ChaosRun.InvariantResult("every acknowledged write is present at its version or newer", missing.isEmpty(),
                missing.isEmpty() ? acked.size() + " acknowledgements of " + newestAck.size() + " ids all in the final state; " + checked
                        + " read back through Get; " + unacknowledged + " writes got no acknowledgement (nothing promised about them)"
                        : missing.size() + " missing, e.g. " + String.join(", ", missing.subList(0, Math.min(5, missing.size()))));
    }

    /** The three raft-meta peers hold identical cluster states (each read locally, compared once they reach the same version). */
    static ChaosRun.InvariantResult metaPeers(List<String> peerAddresses, long timeoutMs) throws Exception {
        String[] last = {"no answer"};
        java.util.Optional<Long> version = Poll.until(java.time.Duration.ofMillis(timeoutMs), java.time.Duration.ofMillis(500),
                StatusRuntimeException.class, () -> {
                    List<ClusterState> states = new ArrayList<>();
                    for (String addr : peerAddresses) {
                        try (MetaClient peer = new MetaClient(List.of(addr))) {
                            states.add(peer.getState(false));
                        }
                    }
                    last[0] = "versions " + states.stream().map(st -> Long.toString(st.getVersion())).toList();
                    return states.stream().distinct().count() == 1 ? java.util.Optional.of(states.get(0).getVersion())
                            : java.util.Optional.<Long>empty();
                });
        return version.map(v -> new ChaosRun.InvariantResult("raft-meta peers hold identical state", true,
                        peerAddresses.size() + " peers at state version " + v))
                .orElseGet(() -> new ChaosRun.InvariantResult("raft-meta peers hold identical state", false,
                        "still different after " + timeoutMs / 1000 + " s: " + last[0]));
    }

    static ChaosRun.InvariantResult errorRate(List<ChaosRun.PhaseStats> phases, Map<String, Long> errorsByStatus) {
        long n = phases.stream().mapToLong(ChaosRun.PhaseStats::interactive).sum();
        long err = phases.stream().mapToLong(ChaosRun.PhaseStats::interactiveErrors).sum();
        double rate = n == 0 ? 1 : (double) err / n;
        return new ChaosRun.InvariantResult("client-visible errors under 0.5% of interactive queries", n > 0 && rate < MAX_ERROR_RATE,
                String.format("%d of %d (%.3f%%)%s", err, n, rate * 100, errorsByStatus.isEmpty() ? "" : "; by status " + errorsByStatus));
    }

    static ChaosRun.InvariantResult hotLatency(List<ChaosRun.PhaseStats> phases) {
        ChaosRun.PhaseStats base = phases.stream().filter(p -> p.phase().equals("baseline")).findFirst().orElseThrow();
        ChaosRun.PhaseStats hot = phases.stream().filter(p -> p.phase().equals("hot")).findFirst().orElseThrow();
        double ratio = hot.p99Ms() / base.p99Ms();
        String faults = phases.stream().filter(p -> p.phase().equals("faults")).findFirst()
                .map(f -> String.format("; faults phase (not bounded) %.1f ms = %.2fx", f.p99Ms(), f.p99Ms() / base.p99Ms())).orElse("");
        return new ChaosRun.InvariantResult("interactive p99 in the hot phase (storm, flood, slow replica) within 3x the baseline p99",
                ratio <= MAX_P99_RATIO, String.format("hot %.1f ms / baseline %.1f ms = %.2fx%s", hot.p99Ms(), base.p99Ms(), ratio, faults));
    }
}
