package dev.quarry.common.merge;

import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.SortValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * k-way merge of per-shard top-k lists, each already sorted by (score desc, id asc), into the
 * global top-k in the same order. Ids are unique across shards (a document lives on one shard).
 */
public final class TopKMerger {
    /** Score desc, then id asc (Java String order, which equals Lucene's UTF-8 byte order for BMP text). */
    public static final Comparator<ShardHit> ORDER = Comparator.comparingDouble((ShardHit h) -> -h.getScore())
            .thenComparing(ShardHit::getId, TopKMerger::compareUtf8);

    private TopKMerger() {}

    public static List<ShardHit> merge(List<List<ShardHit>> perShard, int k) {
        return merge(perShard, k, ORDER);
    }

    /**
     * The order of a request's sort: each sort position compared by its value (a missing value
     * last in either direction, as the shards sort it), then the id ascending.
     */
    public static Comparator<ShardHit> order(List<dev.quarry.proto.v1.SortField> sort) {
        if (sort.isEmpty()) {
            return ORDER;
        }
        Comparator<ShardHit> c = null;
        for (int i = 0; i < sort.size(); i++) {
            int pos = i;
            boolean desc = sort.get(i).getDescending();
            Comparator<ShardHit> field = (a, b) -> compareValues(a.getSortValues(pos), b.getSortValues(pos), desc);
            c = c == null ? field : c.thenComparing(field);
        }
        return c.thenComparing(ShardHit::getId, TopKMerger::compareUtf8);
    }

    private static int compareValues(SortValue a, SortValue b, boolean desc) {
        boolean aMissing = a.getValueCase() == SortValue.ValueCase.VALUE_NOT_SET;
        boolean bMissing = b.getValueCase() == SortValue.ValueCase.VALUE_NOT_SET;
        if (aMissing || bMissing) {
            return Boolean.compare(aMissing, bMissing);
        }
        int c = switch (a.getValueCase()) {
            case SCORE -> Float.compare(a.getScore(), b.getScore());
            case STRING_VALUE -> compareUtf8(a.getStringValue(), b.getStringValue());
            case LONG_VALUE -> Long.compare(a.getLongValue(), b.getLongValue());
            case DOUBLE_VALUE -> Double.compare(a.getDoubleValue(), b.getDoubleValue());
            case VALUE_NOT_SET -> 0;
        };
        return desc ? -c : c;
    }

    public static List<ShardHit> merge(List<List<ShardHit>> perShard, int k, Comparator<ShardHit> order) {
        record Cursor(List<ShardHit> hits, int pos) {
            ShardHit head() {
                return hits.get(pos);
            }
        }
        PriorityQueue<Cursor> heads = new PriorityQueue<>(Math.max(1, perShard.size()), Comparator.comparing(Cursor::head, order));
        for (List<ShardHit> hits : perShard) {
            if (!hits.isEmpty()) {
                heads.add(new Cursor(hits, 0));
            }
        }
        List<ShardHit> out = new ArrayList<>(k);
        while (out.size() < k && !heads.isEmpty()) {
            Cursor c = heads.poll();
            out.add(c.head());
            if (c.pos() + 1 < c.hits().size()) {
                heads.add(new Cursor(c.hits(), c.pos() + 1));
            }
        }
        return out;
    }

    /** Lucene sorts ids by their UTF-8 bytes; this compares strings the same way. */
    public static int compareUtf8(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(i);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            if (Character.isSupplementaryCodePoint(ca)) {
                i++;
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
