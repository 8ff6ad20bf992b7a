package dev.quarry.common.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.SortField;
import dev.quarry.proto.v1.SortValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class TopKMergerTest {
    /** Merging per-shard sorted lists equals sorting the union, for any sort the API allows. */
    @Property(tries = 300)
    void mergeEqualsSortingTheUnion(@ForAll @IntRange(min = 1, max = 6) int shards, @ForAll @IntRange(min = 0, max = 60) int docs,
                                    @ForAll @IntRange(min = 1, max = 40) int k, @ForAll long seed) {
        Random r = new Random(seed);
        List<SortField> sort = new ArrayList<>();
        int fields = r.nextInt(3);
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < fields; i++) {
            String kind = List.of("_score", "keyword", "long", "double").get(r.nextInt(4));
            kinds.add(kind);
            sort.add(SortField.newBuilder().setField(kind).setDescending(r.nextBoolean()).build());
        }
        List<ShardHit> all = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            ShardHit.Builder h = ShardHit.newBuilder().setId("doc-" + r.nextInt(1000) + "-" + d).setScore(r.nextInt(4));
            for (String kind : kinds) {
                SortValue.Builder v = SortValue.newBuilder();
                if (r.nextInt(8) != 0 || kind.equals("_score")) { // some documents lack the field
                    switch (kind) {
                        case "_score" -> v.setScore(r.nextInt(4));
                        case "keyword" -> v.setStringValue(List.of("a", "b", "é", "ab").get(r.nextInt(4)));
                        case "long" -> v.setLongValue(r.nextInt(5) - 2);
                        default -> v.setDoubleValue((r.nextInt(5) - 2) / 2.0);
                    }
                }
                h.addSortValues(v);
            }
            all.add(h.build());
        }
        Comparator<ShardHit> order = TopKMerger.order(sort);
        List<List<ShardHit>> perShard = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            perShard.add(new ArrayList<>());
        }
        for (ShardHit h : all) {
            perShard.get(r.nextInt(shards)).add(h);
        }
        perShard.forEach(l -> l.sort(order));
        List<ShardHit> want = all.stream().sorted(order).limit(k).toList();
        assertThat(TopKMerger.merge(perShard, k, order)).isEqualTo(want);
    }

    @Property(tries = 50)
    void missingValuesSortLastInBothDirections(@ForAll boolean descending) {
        Comparator<ShardHit> order = TopKMerger.order(List.of(SortField.newBuilder().setField("x").setDescending(descending).build()));
        ShardHit missing = ShardHit.newBuilder().setId("a").addSortValues(SortValue.getDefaultInstance()).build();
        ShardHit present = ShardHit.newBuilder().setId("b").addSortValues(SortValue.newBuilder().setLongValue(1)).build();
        assertThat(order.compare(present, missing)).isNegative();
    }
}
