package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.ShardHit;
import dev.quarry.proto.v1.ShardQueryRequest;
import dev.quarry.proto.v1.ShardQueryResponse;
import dev.quarry.proto.v1.SortField;
import dev.quarry.proto.v1.SortValue;
import dev.quarry.shard.error.ShardException;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * Cursor paging on one shard: for any sort the API allows, pages fetched with search_after on a
 * pinned searcher concatenate to the one-shot ranking; a pinned version keeps answering while
 * newer writes become visible, until it expires, unless a lease holds it.
 */
class ShardSearcherPagingTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("""
            {"fields": {"name": {"type": "text"}, "tag": {"type": "keyword"}, "n": {"type": "long"}, "x": {"type": "double"},
                        "ok": {"type": "boolean"}}, "default_fields": ["name"], "refresh_interval_ms": 10}""");
    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "react", "router"};

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
    };

    private ShardWriter writer(ByteBuffersDirectory dir) throws Exception {
        return new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(), Tags.empty());
    }

    private static List<LogRecord> docs(Random r, int n, long firstOffset) {
        List<LogRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder json = new StringBuilder("{\"name\": \"");
            int words = 1 + r.nextInt(3);
            for (int w = 0; w < words; w++) {
                json.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            json.append('"');
            if (r.nextInt(6) != 0) json.append(", \"tag\": \"").append("t").append(r.nextInt(4)).append('"');
            if (r.nextInt(6) != 0) json.append(", \"n\": ").append(r.nextInt(7) - 3);
            if (r.nextInt(6) != 0) json.append(", \"x\": ").append((r.nextInt(7) - 3) / 2.0);
            if (r.nextInt(6) != 0) json.append(", \"ok\": ").append(r.nextBoolean());
            json.append('}');
            out.add(new LogRecord(0, firstOffset + i, "d" + (firstOffset + i), json.toString().getBytes(StandardCharsets.UTF_8), null, 0));
        }
        return out;
    }

    @Property(tries = 40)
    void pagesConcatenateToTheOneShotRanking(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory(); ShardWriter w = writer(dir)) {
            w.apply(docs(r, 20 + r.nextInt(150), 0));
            w.refresh();
            PinnedSearchers pinned = new PinnedSearchers(w.searchers(), 10_000, clock);
            pinned.recordCurrent(w.visibleCheckpoint());
            ShardSearcher s = new ShardSearcher(w.searchers(), pinned, new QueryFactory(SCHEMA), w::quietForMs);
            ShardQueryRequest.Builder req = ShardQueryRequest.newBuilder().setQuery(r.nextBoolean() ? "*" : WORDS[r.nextInt(WORDS.length)]);
            int fields = r.nextInt(3);
            for (int i = 0; i < fields; i++) {
                req.addSort(SortField.newBuilder().setField(List.of("_score", "tag", "n", "x", "ok").get(r.nextInt(5))).setDescending(r.nextBoolean()));
            }
            List<String> oneShot = s.query(req.setK(1000).build()).getHitsList().stream().map(ShardHit::getId).toList();
            int page = 1 + r.nextInt(15);
            List<String> paged = new ArrayList<>();
            List<SortValue> after = List.of();
            long version = 0;
            while (true) {
                ShardQueryResponse resp = s.query(req.setK(page).setSearcherVersion(version).clearSearchAfter().addAllSearchAfter(after).build());
                version = resp.getSearcherVersion();
                resp.getHitsList().forEach(h -> paged.add(h.getId()));
                if (resp.getHitsCount() < page) {
                    break;
                }
                ShardHit last = resp.getHits(resp.getHitsCount() - 1);
                after = new ArrayList<>(last.getSortValuesList());
                after.add(SortValue.newBuilder().setStringValue(last.getId()).build());
            }
            assertThat(paged).isEqualTo(oneShot);
        }
    }

    @Test
    void pinnedVersionOutlivesRefreshesUntilItExpiresUnlessLeased() throws Exception {
        Random r = new Random(1);
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory(); ShardWriter w = writer(dir)) {
            w.apply(docs(r, 50, 0));
            w.refresh();
            PinnedSearchers pinned = new PinnedSearchers(w.searchers(), 10_000, clock);
            pinned.recordCurrent(w.visibleCheckpoint());
            ShardSearcher s = new ShardSearcher(w.searchers(), pinned, new QueryFactory(SCHEMA), w::quietForMs);
            ShardQueryRequest all = ShardQueryRequest.newBuilder().setQuery("*").setK(1000).build();
            ShardQueryResponse first = s.query(all);
            long v1 = first.getSearcherVersion();
            assertThat(first.getTotalHits()).isEqualTo(50);
            assertThat(first.getCheckpoint().getNextOffsetsMap()).containsEntry(0, 50L);

            w.apply(docs(r, 30, 50));
            w.refresh();
            pinned.recordCurrent(w.visibleCheckpoint());
            assertThat(s.query(all).getTotalHits()).isEqualTo(80);
            ShardQueryResponse old = s.query(all.toBuilder().setSearcherVersion(v1).build());
            assertThat(old.getTotalHits()).isEqualTo(50);
            assertThat(old.getCheckpoint().getNextOffsetsMap()).containsEntry(0, 50L);

            s.query(all.toBuilder().setSearcherVersion(v1).setLeaseMs(60_000).build()); // a cursor page leases it
            now.addAndGet(30_000);
            pinned.prune();
            assertThat(s.query(all.toBuilder().setSearcherVersion(v1).build()).getTotalHits()).isEqualTo(50);

            now.addAndGet(40_000); // lease over, replaced long ago
            pinned.prune();
            assertThatThrownBy(() -> s.query(all.toBuilder().setSearcherVersion(v1).build()))
                    .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.kind()).isEqualTo(ShardException.Kind.FAILED_PRECONDITION));
            assertThat(pinned.held()).isEqualTo(1);
        }
    }

    @Test
    void sortingByATextFieldOrAnUnknownFieldIsRefused() throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory(); ShardWriter w = writer(dir)) {
            PinnedSearchers pinned = new PinnedSearchers(w.searchers(), 10_000, clock);
            pinned.recordCurrent(w.visibleCheckpoint());
            ShardSearcher s = new ShardSearcher(w.searchers(), pinned, new QueryFactory(SCHEMA), w::quietForMs);
            for (String f : List.of("name", "nope")) {
                assertThatThrownBy(() -> s.query(ShardQueryRequest.newBuilder().setQuery("*").addSort(SortField.newBuilder().setField(f)).build()))
                        .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.kind()).isEqualTo(ShardException.Kind.INVALID_ARGUMENT));
            }
        }
    }
}
