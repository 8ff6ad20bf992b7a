package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * Refreshes run on the writer's refresh thread while the apply thread goes on writing: a published
 * checkpoint never claims a write its searcher does not show, read-your-writes waits stay exact,
 * and the version rules decide exactly as an oracle does although the searcher they consult changes
 * in the middle of the writes.
 */
class ConcurrentRefreshTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse(
            "{\"fields\": {\"name\": {\"type\": \"text\"}, \"p\": {\"type\": \"keyword\"}, \"o\": {\"type\": \"long\"}}, \"refresh_interval_ms\": 10}");

    @Test
    void aPublishedCheckpointNeverClaimsAWriteItsSearcherDoesNotShow() throws Exception {
        Random r = new Random(42);
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger refreshes = new AtomicInteger();
        AtomicInteger overlapping = new AtomicInteger(); // refreshes during which records were applied
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory(); ShardWriter w = open(dir, SCHEMA)) {
            w.onRefresh(cp -> {
                refreshes.incrementAndGet();
                IndexSearcher s = w.searchers().acquire(); // the searcher this refresh made current
                try {
                    for (Map.Entry<Integer, Long> e : cp.nextOffsets().entrySet()) {
                        int shown = s.count(new BooleanQuery.Builder()
                                .add(new TermQuery(new Term("p", Integer.toString(e.getKey()))), BooleanClause.Occur.FILTER)
                                .add(LongPoint.newRangeQuery("o", 0, e.getValue() - 1), BooleanClause.Occur.FILTER)
                                .build());
                        if (shown != e.getValue()) {
                            violations.add("checkpoint " + cp.nextOffsets() + " claims " + e.getValue() + " writes of partition "
                                    + e.getKey() + ", its searcher shows " + shown);
                        }
                    }
                } finally {
                    w.searchers().release(s);
                }
                Map<Integer, Long> applied = w.outcomes().appliedOffsets();
                if (applied.entrySet().stream().anyMatch(a -> a.getValue() > cp.nextOffsets().getOrDefault(a.getKey(), 0L))) {
                    overlapping.incrementAndGet();
                }
            });
            long[] next = new long[2];
            int total = 20_000;
            while (next[0] + next[1] < total) {
                List<LogRecord> batch = new ArrayList<>();
                int n = 1 + r.nextInt(200);
                for (int i = 0; i < n; i++) {
                    int p = r.nextInt(2);
                    long o = next[p]++;
                    batch.add(new LogRecord(p, o, p + "-" + o, ("{\"p\": \"" + p + "\", \"o\": " + o + "}").getBytes(StandardCharsets.UTF_8), null, 1_000));
                }
                w.apply(batch);
                if (r.nextInt(20) == 0) { // read-your-writes: the last write of a partition, visible at once after the wait
                    int p = r.nextInt(2);
                    if (next[p] > 0) {
                        assertThat(w.awaitVisible(Map.of(p, next[p] - 1), 10_000)).as("visible within the deadline").isTrue();
                        IndexSearcher s = w.searchers().acquire();
                        try {
                            assertThat(s.count(new TermQuery(new Term(FieldNames.ID, p + "-" + (next[p] - 1))))).isEqualTo(1);
                        } finally {
                            w.searchers().release(s);
                        }
                    }
                }
            }
            assertThat(w.awaitVisible(Map.of(0, next[0] - 1, 1, next[1] - 1), 10_000)).isTrue();
        }
        assertThat(violations).isEmpty();
        assertThat(refreshes.get()).as("refreshes").isGreaterThan(10);
        assertThat(overlapping.get()).as("refreshes that ran while records were applied").isPositive();
    }

    /**
     * Long logs of updates, deletes and out-of-order external versions over a few ids, applied in
     * small batches while the refresh thread reopens the searcher every 10 ms: every write's outcome
     * and the final (id, version) set are the oracle's.
     */
    @Property(tries = 20)
    void versionRulesHoldWhileRefreshesRunBeside(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        List<LogRecord> log = VersionRulesOracleTest.randomLog(r, 1_000 + r.nextInt(2_000));
        IndexSchema schema = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 10}");
        Map<Long, WriteOutcome> outcomes = new HashMap<>();
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory(); ShardWriter w = open(dir, schema)) {
            for (int pos = 0; pos < log.size(); ) {
                List<LogRecord> chunk = log.subList(pos, Math.min(log.size(), pos + 1 + r.nextInt(8)));
                w.apply(chunk);
                for (LogRecord rec : chunk) {
                    outcomes.put(VersionRulesOracleTest.key(rec), w.outcomes().await(rec.partition(), rec.offset(), 0));
                }
                pos += chunk.size();
            }
            assertThat(outcomes).isEqualTo(VersionRulesOracleTest.oracleOutcomes(log));
            w.refresh();
            IndexSearcher s = w.searchers().acquire();
            try {
                assertThat(Fingerprint.hex(Fingerprint.of(s))).isEqualTo(Fingerprint.hex(VersionRulesOracleTest.oracle(log)));
            } finally {
                w.searchers().release(s);
            }
        }
    }

    private static ShardWriter open(ByteBuffersDirectory dir, IndexSchema schema) throws Exception {
        return new ShardWriter("test", schema, dir, Clock.systemUTC(), 1_000_000, VersionRulesOracleTest.GC_WINDOW_MS, dl -> { },
                new SimpleMeterRegistry(), Tags.empty());
    }
}
