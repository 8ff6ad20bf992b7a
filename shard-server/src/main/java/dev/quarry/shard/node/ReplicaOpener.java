package dev.quarry.shard.node;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.NodeInfo;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ReplicaState;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.shard.replica.PeerRecovery;
import dev.quarry.shard.replica.ReplicaSpec;
import dev.quarry.shard.replica.ShardReplica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a replica placed on this node. A replica with an index on disk opens it and replays from
 * its commit; a new one (no index yet) first copies the newest commit of a STARTED peer on another
 * live node (peer recovery), so it replays only what followed that commit instead of the whole
 * log; with no peer it starts empty and replays everything. While copying, the replica is not
 * open here and not STARTED in the metadata, so nothing routes to it.
 * Thread-safety: used only from the node's reconcile thread.
 */
final class ReplicaOpener {
    private static final Logger log = LoggerFactory.getLogger(ReplicaOpener.class);

    private final ShardNodeConfig config;
    private final Opener opener;
    private final io.micrometer.core.instrument.Counter copiedBytes;

    /** Opens the replica from its directory once recovery (if any) is done. */
    interface Opener {
        ShardReplica open(ReplicaSpec spec) throws IOException;
    }

    ReplicaOpener(ShardNodeConfig config, Opener opener, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.config = config;
        this.opener = opener;
        this.copiedBytes = metrics.counter("quarry_recovery_bytes", "node", config.nodeId());
    }

    /**
     * @param reportRecovering called before a copy starts, to mark the replica RECOVERING in the metadata
     */
    ShardReplica open(ReplicaSpec spec, ClusterState state, Callable<Void> reportRecovering) throws Exception {
        Path dir = ShardReplica.directoryOf(config.dataDir(), spec);
        if (!hasIndex(dir)) {
            Optional<String> peer = startedPeer(spec, state);
            if (peer.isPresent()) {
                reportRecovering.call();
                PeerRecovery.Result r = PeerRecovery.copy(peer.get(), spec.index(), spec.shard(), dir, config.recoveryBytesPerSecond());
                copiedBytes.increment(r.bytes());
                log.info("[{}] recovered {} from {}: {} files, {} MiB in {} ms", config.nodeId(), spec.key(), peer.get(),
                        r.files(), r.bytes() >> 20, r.nanos() / 1_000_000);
            }
        }
        return opener.open(spec);
    }

    private static boolean hasIndex(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (FSDirectory d = FSDirectory.open(dir)) {
            return DirectoryReader.indexExists(d);
        }
    }

    private Optional<String> startedPeer(ReplicaSpec spec, ClusterState state) {
        IndexInfo idx = state.getIndicesMap().get(spec.index());
        if (idx == null) {
            return Optional.empty();
        }
        for (ShardInfo s : idx.getShardsList()) {
            if (s.getId() != spec.shard()) {
                continue;
            }
            for (ReplicaInfo r : s.getReplicasList()) {
                NodeInfo n = state.getNodesMap().get(r.getNodeId());
                if (r.getState() == ReplicaState.STARTED && !r.getNodeId().equals(config.nodeId()) && n != null && n.getAlive()) {
                    return Optional.of(n.getAddress());
                }
            }
        }
        return Optional.empty();
    }
}
