package dev.quarry.ingest.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * Contiguous assignment of partitions to shards: shard {@code i} of {@code S} owns partitions
 * {@code [i*P/S, (i+1)*P/S)}. Used where the layout is chosen; afterwards it is read from metadata.
 */
public final class ShardLayout {
    private ShardLayout() {}

    public static List<Integer> partitionsOf(int shard, int shards, int partitions) {
        if (shards <= 0 || shards > partitions || shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard " + shard + " of " + shards + " over " + partitions + " partitions");
        }
        int from = (int) ((long) shard * partitions / shards);
        int to = (int) ((long) (shard + 1) * partitions / shards);
        List<Integer> out = new ArrayList<>(to - from);
        for (int p = from; p < to; p++) {
            out.add(p);
        }
        return List.copyOf(out);
    }
}
