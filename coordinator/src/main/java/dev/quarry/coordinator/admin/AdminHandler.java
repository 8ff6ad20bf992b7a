package dev.quarry.coordinator.admin;

import com.google.common.util.concurrent.ListenableFuture;
import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.ShardChannels;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.ingest.schema.SchemaException;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ClusterStatusResponse;
import dev.quarry.proto.v1.CreateIndexCommand;
import dev.quarry.proto.v1.DeleteIndexCommand;
import dev.quarry.proto.v1.IndexDescription;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.MetaCommandResponse;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.NodeStatus;
import dev.quarry.proto.v1.ReplicaDescription;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaStatus;
import dev.quarry.proto.v1.ShardDescription;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.proto.v1.ShardStatsRequest;
import dev.quarry.proto.v1.ShardStatsResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code AdminService}: index lifecycle through Kafka (topics) and raft-meta (routing), and cluster
 * status gathered from the shard servers (asked side by side: a status costs the slowest replica's
 * answer, not the sum of all of them). Thread-safety: stateless apart from thread-safe collaborators.
 */
public final class AdminHandler {
    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Duration ROUTING_WAIT = Duration.ofSeconds(10);
    private static final Duration ACTIVE_WAIT = Duration.ofSeconds(30);
    private static final long STATS_TIMEOUT_MS = 5_000;

    private final MetaGateway meta;
    private final RoutingView routing;
    private final TopicAdmin topics;
    private final ShardChannels channels;

    public AdminHandler(MetaGateway meta, RoutingView routing, TopicAdmin topics, ShardChannels channels) {
        this.meta = meta;
        this.routing = routing;
        this.topics = topics;
        this.channels = channels;
    }

    public IndexDescription createIndex(String name, String schemaJson) {
        if (name == null || !INDEX_NAME.matcher(name).matches()) {
            throw CoordinatorException.invalid("index name must match " + INDEX_NAME.pattern() + " (got '" + name + "')");
        }
        IndexSchema schema;
        try {
            schema = IndexSchema.parse(schemaJson);
        } catch (SchemaException e) {
            throw CoordinatorException.invalid("invalid schema: " + e.getMessage());
        }
        if (meta.state().containsIndices(name)) {
            throw new CoordinatorException(CoordinatorException.Kind.ALREADY_EXISTS, "index '" + name + "' already exists");
        }
        topics.createDocsTopic(Topics.docs(name), schema.partitions());
        topics.createDeadLetterTopic(Topics.deadLetters(name));
        MetaCommandResponse r = meta.submit(MetaCommand.newBuilder().setCreateIndex(CreateIndexCommand.newBuilder()
                .setName(name).setSchemaJson(schema.toJson())
                .setPartitions(schema.partitions()).setShards(schema.shards()).setReplicas(schema.replicas())).build());
        meta.awaitVersion(r.getVersion(), ROUTING_WAIT);
        awaitActiveShards(name);
        return describe(name);
    }

    /**
     * Like Elasticsearch's wait_for_active_shards=1: returns once every shard has a started replica
     * (so writes and searches right after creation find one), or after {@link #ACTIVE_WAIT}
     * (the description then shows which replicas are still starting).
     */
    private void awaitActiveShards(String name) {
        long deadline = System.nanoTime() + ACTIVE_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean active = routing.current().index(name)
                    .map(idx -> idx.shards().stream().allMatch(s -> !s.replicas().isEmpty())).orElse(false);
            if (active) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public void deleteIndex(String name) {
        if (!meta.state().containsIndices(name)) {
            throw CoordinatorException.notFound("index '" + name + "' does not exist");
        }
        MetaCommandResponse r = meta.submit(MetaCommand.newBuilder().setDeleteIndex(DeleteIndexCommand.newBuilder().setName(name)).build());
        meta.awaitVersion(r.getVersion(), ROUTING_WAIT);
        topics.deleteTopics(List.of(Topics.docs(name), Topics.deadLetters(name)));
    }

    public IndexDescription describe(String name) {
        ClusterState state = meta.state();
        IndexInfo idx = state.getIndicesMap().get(name);
        if (idx == null) {
            throw CoordinatorException.notFound("index '" + name + "' does not exist");
        }
        return describe(state, idx);
    }

    public List<IndexDescription> list() {
        ClusterState state = meta.state();
        return state.getIndicesMap().values().stream().sorted(java.util.Comparator.comparing(IndexInfo::getName)).map(i -> describe(state, i)).toList();
    }

    private static IndexDescription describe(ClusterState state, IndexInfo idx) {
        IndexDescription.Builder d = IndexDescription.newBuilder().setName(idx.getName()).setSchemaJson(idx.getSchemaJson())
                .setPartitions(idx.getPartitions()).setTopic(Topics.docs(idx.getName()));
        for (ShardInfo s : idx.getShardsList()) {
            ShardDescription.Builder sd = ShardDescription.newBuilder().setShard(s.getId()).addAllPartitions(s.getPartitionsList());
            for (ReplicaInfo r : s.getReplicasList()) {
                NodeInfo n = state.getNodesMap().get(r.getNodeId());
                sd.addReplicas(ReplicaDescription.newBuilder().setNode(r.getNodeId()).setAddress(n == null ? "" : n.getAddress()).setState(r.getState().name()));
            }
            d.addShards(sd);
        }
        return d.build();
    }

    public ClusterStatusResponse status(ClusterStatusRequest req) {
        ClusterState state = meta.state();
        if (!req.getIndex().isEmpty() && !state.containsIndices(req.getIndex())) {
            throw CoordinatorException.notFound("index '" + req.getIndex() + "' does not exist");
        }
        List<ReplicaCall> calls = new ArrayList<>();
        ClusterStatusResponse.Builder out = ClusterStatusResponse.newBuilder().setStateVersion(state.getVersion()).setRoutingEpoch(state.getRoutingEpoch());
        meta.metaStatus().ifPresent(ms -> out.setMetaLeader(ms.getLeaderId()).setMetaTerm(ms.getTerm())
                .addAllMetaPeers(ms.getPeersList().stream().map(p -> p.getId() + "=" + p.getRaftAddress()).toList()));
        state.getNodesMap().values().stream().sorted(java.util.Comparator.comparing(NodeInfo::getId)).forEach(n -> out.addNodes(NodeStatus.newBuilder()
                .setId(n.getId()).setAddress(n.getAddress()).setRole(n.getRole().name()).setIncarnation(n.getIncarnation()).setAlive(n.getAlive())));
        for (IndexInfo idx : state.getIndicesMap().values().stream().sorted(java.util.Comparator.comparing(IndexInfo::getName)).toList()) {
            if (!req.getIndex().isEmpty() && !req.getIndex().equals(idx.getName())) {
                continue;
            }
            for (ShardInfo s : idx.getShardsList()) {
                for (ReplicaInfo r : s.getReplicasList()) {
                    calls.add(askStats(state, idx.getName(), s.getId(), r, req.getSkipFingerprint()));
                }
            }
        }
        calls.forEach(c -> out.addReplicas(c.await()));
        return out.build();
    }

    /** One replica's status call, asked of its shard server; the calls of a status request run side by side. */
    private record ReplicaCall(ReplicaStatus.Builder status, ListenableFuture<ShardStatsResponse> stats) {
        ReplicaStatus await() {
            if (stats == null) {
                return status.build();
            }
            try {
                ShardStatsResponse st = stats.get();
                return status.setCheckpoint(st.getCheckpoint()).setDocCount(st.getDocCount()).setLag(st.getLag()).setFingerprint(st.getFingerprint())
                        .build();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stats.cancel(true);
                return status.setError("interrupted").build();
            } catch (ExecutionException e) {
                Status st = Status.fromThrowable(e.getCause());
                return status.setError(st.getCode() + (st.getDescription() == null ? "" : ": " + st.getDescription())).build();
            }
        }
    }

    /** Starts the replica's stats call on its shard server (none, and an error in the status, when its node is unknown). */
    private ReplicaCall askStats(ClusterState state, String index, int shard, ReplicaInfo r, boolean skipFingerprint) {
        ReplicaStatus.Builder b = ReplicaStatus.newBuilder().setIndex(index).setShard(shard).setNode(r.getNodeId()).setState(r.getState().name());
        NodeInfo node = state.getNodesMap().get(r.getNodeId());
        if (node == null || node.getAddress().isEmpty()) {
            return new ReplicaCall(b.setError("node unknown"), null);
        }
        return new ReplicaCall(b, channels.futureStub(node.getAddress()).withDeadlineAfter(STATS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .stats(ShardStatsRequest.newBuilder().setIndex(index).setShard(shard).setSkipFingerprint(skipFingerprint).build()));
    }
}
