package dev.quarry.cli.command;

import com.google.protobuf.util.JsonFormat;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.NodeStatus;
import dev.quarry.proto.v1.ReplicaStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Cluster state: raft-meta leader, term and peers, nodes with incarnations, and per replica its state, checkpoint, doc count, lag and fingerprint.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--index", description = "only this index") String index;
    @Option(names = "--json", description = "stable machine-readable output") boolean json;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() throws Exception {
        ClusterStatusResponse[] holder = new ClusterStatusResponse[1];
        IndexCommand.withAdmin(endpoints, admin -> holder[0] = admin.clusterStatus(
                ClusterStatusRequest.newBuilder().setIndex(index == null ? "" : index).build()));
        ClusterStatusResponse r = holder[0];
        if (json) {
            System.out.println(JsonFormat.printer().includingDefaultValueFields().print(r));
            return 0;
        }
        System.out.printf("state version %d, routing epoch %d%n", r.getStateVersion(), r.getRoutingEpoch());
        System.out.printf("raft-meta: leader %s, term %d, peers %s%n%nnodes:%n",
                r.getMetaLeader().isEmpty() ? "(none)" : r.getMetaLeader(), r.getMetaTerm(), String.join(",", r.getMetaPeersList()));
        for (NodeStatus n : r.getNodesList()) {
            System.out.printf("  %-12s %-9s %-22s incarnation %d %s%n", n.getId(), n.getRole(), n.getAddress(), n.getIncarnation(), n.getAlive() ? "alive" : "DOWN");
        }
        System.out.printf("%nreplicas:%n  %-16s %5s %-10s %-12s %10s %8s  %-16s%n", "index", "shard", "node", "state", "docs", "lag", "fingerprint");
        for (ReplicaStatus s : r.getReplicasList()) {
            System.out.printf("  %-16s %5d %-10s %-12s %10d %8d  %-16s %s%n", s.getIndex(), s.getShard(), s.getNode(), s.getState(),
                    s.getDocCount(), s.getLag(), s.getFingerprint(), s.getError());
        }
        return 0;
    }
}
