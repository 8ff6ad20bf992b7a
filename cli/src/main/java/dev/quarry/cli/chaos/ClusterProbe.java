package dev.quarry.cli.chaos;

import dev.quarry.common.meta.MetaClient;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.ShardInfo;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the hot shard once a second while the scenario runs: its replicas and their largest apply
 * lag (the coordinator's cluster status, fingerprints skipped) and the extra replicas raft-meta's
 * hot-shard detector gave it (the replicated state). A reading that fails is logged as unknown
 * (-1), never retried late.
 * Thread-safety: one probe thread; {@link #extraAddedAndRetired()} reads a synchronized list.
 */
final class ClusterProbe implements AutoCloseable {
    private final AdminServiceGrpc.AdminServiceBlockingStub admin;
    private final MetaClient meta;
    private final String index;
    private final int shard;
    private final ClientLog log;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<double[]> extraTimeline = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;

    ClusterProbe(ManagedChannel coordinator, MetaClient meta, String index, int shard, ClientLog log) {
        this.admin = AdminServiceGrpc.newBlockingStub(coordinator);
        this.meta = meta;
        this.index = index;
        this.shard = shard;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("chaos-probe").start(this::loop);
    }

    private void loop() {
        while (running.get()) {
            long t0 = System.nanoTime();
            readOnce();
            LockSupport.parkNanos(Math.max(0, TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - t0)));
        }
    }

    private void readOnce() {
        try {
            ClusterStatusResponse st = admin.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(index).setSkipFingerprint(true).build());
            int replicas = 0;
            long lag = 0;
            List<String> nodes = new ArrayList<>();
            for (ReplicaStatus r : st.getReplicasList()) {
                if (r.getShard() == shard && !r.getState().equals("RETIRING")) {
                    replicas++;
                    lag = Math.max(lag, r.getLag());
                    nodes.add(r.getNode() + ":" + r.getState());
                }
            }
            log.reading(replicas, lag, nodes);
        } catch (StatusRuntimeException e) {
            log.reading(-1, -1, List.of());
        }
        try {
            ClusterState state = meta.getState(false);
            IndexInfo info = state.getIndicesMap().get(index);
            if (info != null) {
                for (ShardInfo s : info.getShardsList()) {
                    if (s.getId() == shard) {
                        extraTimeline.add(new double[] {log.now() / 1000.0, s.getExtraReplicas()});
                    }
                }
            }
        } catch (StatusRuntimeException e) {
            // raft-meta electing (its leader was killed): the next reading will tell
        }
    }

    /** First time (s) the extra replica was in the state, and the first time after that it was gone; NaN if not. */
    double[] extraAddedAndRetired() {
        double added = Double.NaN;
        double retired = Double.NaN;
        synchronized (extraTimeline) {
            for (double[] p : extraTimeline) {
                if (Double.isNaN(added) && p[1] > 0) {
                    added = p[0];
                } else if (!Double.isNaN(added) && Double.isNaN(retired) && p[1] == 0) {
                    retired = p[0];
                }
            }
        }
        return new double[] {added, retired};
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
