package dev.quarry.shard.index;

import java.util.Map;
import java.util.TreeMap;

/**
 * The offsets a searcher or a commit reflects: per partition, the next offset not yet included.
 * Its wire form is built once, since every search answer carries the checkpoint of its searcher.
 * Immutable.
 */
public final class Checkpoint {
    public static final Checkpoint EMPTY = new Checkpoint(Map.of());
    private static final String KEY_PREFIX = "offset.";

    private final Map<Integer, Long> nextOffsets;
    private final dev.quarry.proto.v1.Checkpoint proto;

    public Checkpoint(Map<Integer, Long> nextOffsets) {
        this.nextOffsets = Map.copyOf(nextOffsets);
        this.proto = dev.quarry.proto.v1.Checkpoint.newBuilder().putAllNextOffsets(this.nextOffsets).build();
    }

    /** Per partition, the next offset not yet included. */
    public Map<Integer, Long> nextOffsets() {
        return nextOffsets;
    }

    /** True when every partition's offset here is at least {@code other}'s. */
    public boolean covers(int partition, long offset) {
        return nextOffsets.getOrDefault(partition, 0L) > offset;
    }

    /** The form stored in a Lucene commit's user data: {@code offset.<partition> = <next offset>}. */
    public Map<String, String> toCommitData() {
        Map<String, String> m = new TreeMap<>();
        nextOffsets.forEach((p, o) -> m.put(KEY_PREFIX + p, Long.toString(o)));
        return m;
    }

    public static Checkpoint fromCommitData(Iterable<Map.Entry<String, String>> data) {
        Map<Integer, Long> m = new TreeMap<>();
        if (data != null) {
            for (Map.Entry<String, String> e : data) {
                if (e.getKey().startsWith(KEY_PREFIX)) {
                    m.put(Integer.parseInt(e.getKey().substring(KEY_PREFIX.length())), Long.parseLong(e.getValue()));
                }
            }
        }
        return new Checkpoint(m);
    }

    public dev.quarry.proto.v1.Checkpoint toProto() {
        return proto;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && nextOffsets.equals(c.nextOffsets);
    }

    @Override
    public int hashCode() {
        return nextOffsets.hashCode();
    }

    @Override
    public String toString() {
        return "Checkpoint" + nextOffsets;
    }
}
