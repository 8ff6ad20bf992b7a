package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * A refresh publishes its checkpoint as soon as its searcher is open: it does not wait for the
 * apply gate a second time (a batch or a commit's flush holding the gate delayed every publication
 * behind it by up to 0.35 s in the ingest benchmark), the version rules still see the writes of the
 * generation it made visible, and housekeeping after it (closing replaced searchers, up to 1.1 s)
 * comes after the publication. And the checkpoint it publishes names exactly the writes its searcher
 * shows.
 */
class RefreshPublicationTest {
    /** No automatic refresh during the test: only the refreshes it runs itself. */
    private static final IndexSchema SCHEMA = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 3600000}");

    @Test
    void aRefreshPublishesWhileABatchHoldsTheApplyGate() throws Exception {
        PausingDirectory dir = new PausingDirectory(new ByteBuffersDirectory(), "test-refresh");
        dir.arm();
        CountDownLatch batchInGate = new CountDownLatch(1);
        CountDownLatch releaseBatch = new CountDownLatch(1);
        // A bad record's dead letter is handed over while the batch holds the gate: it holds the gate as long as the test wants.
        ShardWriter w = new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> {
            batchInGate.countDown();
            try {
                releaseBatch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, new SimpleMeterRegistry(), Tags.empty());
        Thread refresh = null;
        Thread batch = null;
        try {
            w.apply(docs(0, 10));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            refresh = new Thread(() -> run(w::refresh, failure), "test-refresh");
            refresh.start();
            assertThat(dir.reached.await(10, TimeUnit.SECONDS)).as("the refresh read its offsets and is flushing").isTrue();

            List<LogRecord> bad = List.of(new LogRecord(0, 10, "bad", "{not json".getBytes(StandardCharsets.UTF_8), null, 1_000));
            batch = new Thread(() -> run(() -> w.apply(bad), failure), "test-batch");
            batch.start();
            assertThat(batchInGate.await(10, TimeUnit.SECONDS)).as("the next batch holds the apply gate").isTrue();

            dir.resume.countDown();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(w.visibleCheckpoint().nextOffsets()).as("published while the batch holds the gate").containsEntry(0, 10L));
            assertThat(batch.isAlive()).as("the batch still holds the gate").isTrue();

            releaseBatch.countDown();
            batch.join(10_000);
            refresh.join(10_000);
            assertThat(failure.get()).isNull();

            // The next batch drops the generation the refresh made visible from memory; the version
            // rules then read those writes from the searcher.
            w.apply(List.of(new LogRecord(0, 11, "d3", doc(3), "2", 1_000), new LogRecord(0, 12, "d5", doc(5), "7", 1_000)));
            assertThat(w.outcomes().await(0, 11, 0)).as("external version 2 over offset 3").isEqualTo(WriteOutcome.STALE);
            assertThat(w.outcomes().await(0, 12, 0)).as("external version 7 over offset 5").isEqualTo(WriteOutcome.APPLIED);
            w.refresh();
            IndexSearcher s = w.searchers().acquire();
            try {
                assertThat(s.getIndexReader().numDocs()).isEqualTo(10);
                assertThat(s.count(new TermQuery(new Term(FieldNames.ID, "d5")))).isEqualTo(1);
            } finally {
                w.searchers().release(s);
            }
        } finally {
            dir.resume.countDown();
            releaseBatch.countDown();
            if (batch != null) {
                batch.join(10_000);
            }
            if (refresh != null) {
                refresh.join(10_000);
            }
            w.close();
        }
    }

    @Test
    void housekeepingAfterAPublicationDoesNotDelayIt() throws Exception {
        CountDownLatch inHousekeeping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
             ShardWriter w = new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(),
                     Tags.empty())) {
            w.onPublished(cp -> {
                inHousekeeping.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.apply(docs(0, 5));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread refresh = new Thread(() -> run(w::refresh, failure), "test-refresh");
            refresh.start();
            try {
                assertThat(inHousekeeping.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(w.visibleCheckpoint().nextOffsets()).as("published before the housekeeping ends").containsEntry(0, 5L);
                assertThat(w.awaitVisible(java.util.Map.of(0, 4L), 0)).isTrue();
            } finally {
                release.countDown();
                refresh.join(10_000);
            }
            assertThat(failure.get()).isNull();
        }
    }

    @Test
    void writesAppliedDuringAReopenAreNeitherShownNorClaimed() throws Exception {
        PausingDirectory dir = new PausingDirectory(new ByteBuffersDirectory(), "test-refresh");
        try (ShardWriter w = new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(),
                Tags.empty())) {
            w.apply(docs(0, 10));
            dir.arm();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread refresh = new Thread(() -> run(w::refresh, failure), "test-refresh");
            refresh.start();
            try {
                assertThat(dir.reached.await(10, TimeUnit.SECONDS)).as("the reopen is flushing").isTrue();
                w.apply(docs(10, 15)); // the gate is open while the reopen flushes
            } finally {
                dir.resume.countDown();
                refresh.join(10_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(w.visibleCheckpoint().nextOffsets()).containsEntry(0, 10L);
            assertThat(visibleDocs(w)).as("the searcher shows what its checkpoint names, no more").isEqualTo(10);
        }
    }

    /**
     * Every record below makes one document; after each refresh the searcher must show exactly as many
     * documents as its checkpoint names records. Writes race the refreshes (one-record batches on another
     * thread), so a write applied after the checkpoint was read but before the reopen's cut-over would
     * show up uncounted.
     */
    @Test
    void aPublishedCheckpointNamesExactlyTheWritesItsSearcherShows() throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
             ShardWriter w = new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(),
                     Tags.empty())) {
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> run(() -> {
                for (int o = 0; writing.get(); o++) {
                    w.apply(docs(o, o + 1));
                }
            }, failure), "test-writer");
            writer.start();
            try {
                for (int i = 0; i < 300 && failure.get() == null; i++) {
                    w.refresh();
                    long claimed = w.visibleCheckpoint().nextOffsets().getOrDefault(0, 0L);
                    assertThat((long) visibleDocs(w)).as("refresh %d: documents shown vs records claimed", i).isEqualTo(claimed);
                }
            } finally {
                writing.set(false);
                writer.join(10_000);
            }
            assertThat(failure.get()).isNull();
        }
    }

    @Test
    void aRefreshWaitingForTheGateGetsItBetweenTwoRecordsOfABatch() throws Exception {
        AtomicReference<Thread> refresh = new AtomicReference<>();
        CountDownLatch batchInGate = new CountDownLatch(1);
        // The bad record in the middle of the batch is handed over while the batch holds the gate:
        // it returns once the refresh is waiting for the gate.
        ShardWriter w = new ShardWriter("test", SCHEMA, new ByteBuffersDirectory(), Clock.systemUTC(), 1_000_000, 600_000, dl -> {
            batchInGate.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> refresh.get().getState() == Thread.State.WAITING);
        }, new SimpleMeterRegistry(), Tags.empty());
        try {
            w.apply(docs(0, 10));
            w.refresh();
            List<LogRecord> batch = new ArrayList<>(docs(10, 15));
            batch.add(new LogRecord(0, 15, "bad", "{not json".getBytes(StandardCharsets.UTF_8), null, 1_000));
            batch.addAll(List.of(
                    new LogRecord(0, 16, "d3", doc(3), "2", 1_000),    // stale: d3 is at version 3 in the searcher
                    new LogRecord(0, 17, "d12", doc(12), "5", 1_000),  // stale: d12 is at version 12, applied before the refresh cut in
                    new LogRecord(0, 18, "d5", doc(5), "7", 1_000),    // applies: d5 is at version 5
                    new LogRecord(0, 19, "d19", doc(19), null, 1_000)));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            refresh.set(new Thread(() -> run(w::refresh, failure), "test-refresh"));
            Thread applier = new Thread(() -> run(() -> w.apply(batch), failure), "test-batch");
            applier.start();
            assertThat(batchInGate.await(10, TimeUnit.SECONDS)).isTrue();
            refresh.get().start();
            applier.join(10_000);
            refresh.get().join(10_000);
            assertThat(failure.get()).isNull();

            assertThat(w.visibleCheckpoint().nextOffsets()).as("the refresh cut in right after the bad record, not after the batch")
                    .containsEntry(0, 16L);
            assertThat(visibleDocs(w)).isEqualTo(15);
            assertThat(w.outcomes().await(0, 16, 0)).isEqualTo(WriteOutcome.STALE);
            assertThat(w.outcomes().await(0, 17, 0)).isEqualTo(WriteOutcome.STALE);
            assertThat(w.outcomes().await(0, 18, 0)).isEqualTo(WriteOutcome.APPLIED);
            assertThat(w.outcomes().await(0, 19, 0)).isEqualTo(WriteOutcome.APPLIED);
            w.refresh();
            assertThat(visibleDocs(w)).isEqualTo(16);
        } finally {
            w.close();
        }
    }

    private static int visibleDocs(ShardWriter w) throws IOException {
        IndexSearcher s = w.searchers().acquire();
        try {
            return s.getIndexReader().numDocs();
        } finally {
            w.searchers().release(s);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static void run(IoAction action, AtomicReference<Throwable> failure) {
        try {
            action.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static byte[] doc(int i) {
        return ("{\"name\": \"doc " + i + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Documents d{offset} at offsets [from, to) of partition 0. */
    private static List<LogRecord> docs(int from, int to) {
        List<LogRecord> out = new ArrayList<>();
        for (int o = from; o < to; o++) {
            out.add(new LogRecord(0, o, "d" + o, doc(o), null, 1_000));
        }
        return out;
    }
}
