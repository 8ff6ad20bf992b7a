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
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Any log — duplicates, external versions out of order, deletes, bad records, timestamps jumping
 * past the tombstone GC window — applied by a real {@link ShardWriter}, with clean restarts and
 * crashes (everything since the last commit lost, then replayed from the committed offsets) at
 * random points, and periodic commits on the commit thread racing the next writes (so a commit
 * may hold writes past its restart point), ends in exactly the (id, version) set an oracle computes
 * by replaying the log with the version rules, and reports for every write the outcome (applied,
 * stale, rejected) the oracle gives it, replays included.
 */
class VersionRulesOracleTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 10}");
    static final long GC_WINDOW_MS = 1_000;

    @Property(tries = 60)
    void writerMatchesTheOracle(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        List<LogRecord> log = randomLog(r, 50 + r.nextInt(250));
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        ShardWriter w = open(dir);
        int pos = 0;
        Map<Long, WriteOutcome> outcomes = new HashMap<>(); // key: partition << 32 | offset; the last decision wins
        while (pos < log.size()) {
            int n = 1 + r.nextInt(20);
            List<LogRecord> chunk = log.subList(pos, Math.min(log.size(), pos + n));
            w.apply(chunk);
            for (LogRecord rec : chunk) {
                outcomes.put(key(rec), w.outcomes().await(rec.partition(), rec.offset(), 0));
            }
            pos = Math.min(log.size(), pos + n);
            switch (r.nextInt(11)) {
                case 0 -> w.commit();
                case 1 -> w.refresh();
                case 2 -> { // clean restart
                    w.close();
                    w = open(dir);
                    pos = replayFrom(w, log);
                }
                case 3 -> { // crash: the uncommitted tail is lost and replayed
                    w.crash();
                    w = open(dir);
                    pos = replayFrom(w, log);
                }
                case 4 -> w.startPeriodicCommit(); // runs beside the next apply
                default -> { }
            }
        }
        assertThat(outcomes).isEqualTo(oracleOutcomes(log));
        w.refresh();
        IndexSearcher s = w.searchers().acquire();
        try {
            assertThat(Fingerprint.hex(Fingerprint.of(s))).isEqualTo(Fingerprint.hex(oracle(log)));
        } finally {
            w.searchers().release(s);
        }
        w.close();
    }

    /** Where the apply loop would restart: the first record not covered by the committed offsets. */
    private static int replayFrom(ShardWriter w, List<LogRecord> log) {
        Map<Integer, Long> next = w.nextOffsets();
        for (int i = 0; i < log.size(); i++) {
            LogRecord rec = log.get(i);
            if (rec.offset() >= next.getOrDefault(rec.partition(), 0L)) {
                return i; // offsets of each partition grow with i, and partitions interleave: replay from the earliest gap
            }
        }
        return log.size();
    }

    private static ShardWriter open(ByteBuffersDirectory dir) throws Exception {
        return new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, GC_WINDOW_MS, dl -> { },
                new SimpleMeterRegistry(), Tags.empty());
    }

    static long key(LogRecord rec) {
        return ((long) rec.partition() << 32) | rec.offset();
    }

    /** Each write's outcome under the version rules replayed naively over the whole log. */
    static Map<Long, WriteOutcome> oracleOutcomes(List<LogRecord> log) {
        record State(long version, boolean deleted, long deletedAt) {}
        Map<String, State> m = new HashMap<>();
        Map<Long, WriteOutcome> out = new HashMap<>();
        for (LogRecord rec : log) {
            boolean bad = rec.value() != null && new String(rec.value(), StandardCharsets.UTF_8).startsWith("{bad");
            long v;
            try {
                v = rec.versionHeader() == null ? rec.offset() : Long.parseLong(rec.versionHeader());
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (bad || v < 0) {
                out.put(key(rec), WriteOutcome.REJECTED);
                continue;
            }
            State st = m.get(rec.id());
            long stored = st == null || (st.deleted() && st.deletedAt() < rec.timestampMs() - GC_WINDOW_MS) ? -1 : st.version();
            if (v <= stored) {
                out.put(key(rec), WriteOutcome.STALE);
                continue;
            }
            m.put(rec.id(), new State(v, rec.value() == null, rec.timestampMs()));
            out.put(key(rec), WriteOutcome.APPLIED);
        }
        return out;
    }

    /** The version rules replayed naively over the whole log. */
    static long oracle(List<LogRecord> log) {
        record State(long version, boolean deleted, long deletedAt) {}
        Map<String, State> m = new HashMap<>();
        for (LogRecord rec : log) {
            boolean bad = rec.value() != null && new String(rec.value(), StandardCharsets.UTF_8).startsWith("{bad");
            long v;
            try {
                v = rec.versionHeader() == null ? rec.offset() : Long.parseLong(rec.versionHeader());
                if (v < 0) continue;
            } catch (NumberFormatException e) {
                continue;
            }
            if (bad) continue;
            State st = m.get(rec.id());
            long stored = st == null || (st.deleted() && st.deletedAt() < rec.timestampMs() - GC_WINDOW_MS) ? -1 : st.version();
            if (v <= stored) continue;
            m.put(rec.id(), new State(v, rec.value() == null, rec.timestampMs()));
        }
        long fp = 0;
        for (Map.Entry<String, State> e : m.entrySet()) {
            if (!e.getValue().deleted()) fp += Fingerprint.of(e.getKey(), e.getValue().version());
        }
        return fp;
    }

    static List<LogRecord> randomLog(Random r, int n) {
        List<LogRecord> out = new ArrayList<>();
        long[] nextOffset = new long[2];
        long ts = 1_000_000;
        for (int i = 0; i < n; i++) {
            String id = "d" + r.nextInt(6);
            int p = Math.floorMod(id.hashCode(), 2);
            long offset = nextOffset[p]++;
            ts += r.nextInt(10) == 0 ? 700 : r.nextInt(20);
            String header = switch (r.nextInt(6)) {
                case 0, 1 -> Integer.toString(r.nextInt(30));
                case 2 -> r.nextInt(4) == 0 ? "x" : null;
                default -> null;
            };
            byte[] value = switch (r.nextInt(8)) {
                case 0, 1 -> null;
                case 2 -> "{bad json".getBytes(StandardCharsets.UTF_8);
                default -> ("{\"name\": \"doc " + i + "\"}").getBytes(StandardCharsets.UTF_8);
            };
            LogRecord rec = new LogRecord(p, offset, id, value, header, ts);
            out.add(rec);
            if (r.nextInt(10) == 0) { // a duplicate delivery of an earlier write, at a new offset
                LogRecord old = out.get(r.nextInt(out.size()));
                int op = Math.floorMod(old.id().hashCode(), 2);
                out.add(new LogRecord(op, nextOffset[op]++, old.id(), old.value(), old.versionHeader(), ts));
            }
        }
        return out;
    }
}
