package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/** A shard that stops taking writes is merged to one segment; a busy one is left to the merge policy. */
class IdleMergeTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 10}");
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
    };

    @Test
    void idleShardMergesToOneSegmentAndKeepsItsDocuments() throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
             ShardWriter w = new ShardWriter("t", SCHEMA, dir, clock, 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(), Tags.empty())) {
            for (int batch = 0; batch < 5; batch++) {
                w.apply(List.of(new LogRecord(0, batch, "d" + batch, ("{\"name\": \"doc " + batch + "\"}").getBytes(StandardCharsets.UTF_8), null, 0)));
                w.refresh(); // a segment per batch
                now.addAndGet(1_000);
                w.tick();
            }
            assertThat(leaves(w)).isEqualTo(5);
            now.addAndGet(ShardWriter.IDLE_MERGE_AFTER_MS - 2_000);
            w.tick();
            // not idle long enough yet: nothing may merge while we keep looking
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> leaves(w) == 5);
            now.addAndGet(2_000);
            w.tick();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                w.tick();
                assertThat(leaves(w)).isEqualTo(1);
            });
            IndexSearcher s = w.searchers().acquire();
            try {
                assertThat(s.getIndexReader().numDocs()).isEqualTo(5);
            } finally {
                w.searchers().release(s);
            }
        }
    }

    private static int leaves(ShardWriter w) throws Exception {
        IndexSearcher s = w.searchers().acquire();
        try {
            return s.getIndexReader().leaves().size();
        } finally {
            w.searchers().release(s);
        }
    }
}
