package dev.quarry.meta.state;

import com.google.protobuf.CodedOutputStream;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.ReplicaInfo;
import dev.quarry.proto.v1.ShardInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Helpers over the immutable protobuf {@link ClusterState}; no state of their own. */
public final class ClusterStates {
    /** The state of a fresh group: version 0, no nodes, no indices. */
    public static final ClusterState EMPTY = ClusterState.getDefaultInstance();

    private ClusterStates() {}

    /**
     * Serializes with sorted map keys, so equal states give equal bytes on every peer no matter
     * in which order their maps were filled (log replay vs snapshot load). Snapshots use it too.
     */
    public static byte[] toDeterministicBytes(ClusterState state) {
        byte[] out = new byte[state.getSerializedSize()];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        cos.useDeterministicSerialization();
        try {
            state.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("serializing to a byte array cannot fail", e);
        }
        return out;
    }

    /**
     * The partitions of shard {@code shard} of {@code shards} over {@code partitions}: the
     * contiguous range {@code [shard*P/S, (shard+1)*P/S)} (the same rule as ingest's
     * {@code ShardLayout}), so every partition belongs to exactly one shard and shard sizes
     * differ by at most one.
     */
    public static List<Integer> partitionsOf(int shard, int shards, int partitions) {
        if (shards < 1 || shards > partitions || shard < 0 || shard >= shards) {
            throw new IllegalArgumentException(
                    "shard " + shard + " of " + shards + " over " + partitions + " partitions");
        }
        int from = (int) ((long) shard * partitions / shards);
        int to = (int) ((long) (shard + 1) * partitions / shards);
        List<Integer> out = new ArrayList<>(to - from);
        for (int p = from; p < to; p++) {
            out.add(p);
        }
        return out;
    }

    /** How many replicas (of any state) the node holds across all indices. */
    public static int replicaCount(ClusterState state, String nodeId) {
        int n = 0;
        for (IndexInfo index : state.getIndicesMap().values()) {
            for (ShardInfo shard : index.getShardsList()) {
                for (ReplicaInfo replica : shard.getReplicasList()) {
                    if (replica.getNodeId().equals(nodeId)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
