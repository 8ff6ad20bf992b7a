package dev.quarry.shard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.schema.IndexSchema;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.junit.jupiter.api.Test;

/**
 * Periodic commits run beside the apply thread: a commit stuck in fsync holds back neither writes
 * nor refreshes, and it holds exactly the writes its restart point covers, none applied while it
 * ran (so a restart replays those with the outcomes they had the first time), and it starts right
 * after a refresh.
 */
class ShardWriterCommitTest {
    private static final IndexSchema SCHEMA = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 1000}");

    /**
     * Blocks the commit thread's fsync of segment data files until released: an fsync as slow as a
     * test wants. (Lucene fsyncs the small {@code pending_segments_N} file under the writer's
     * monitor, and the data files, the bulk of a commit's I/O, outside it.)
     */
    private static final class SlowSyncDirectory extends FilterDirectory {
        final CountDownLatch syncing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        SlowSyncDirectory(Directory in) {
            super(in);
        }

        @Override
        public void sync(Collection<String> names) throws IOException {
            if (Thread.currentThread().getName().startsWith("commit-") && names.stream().noneMatch(n -> n.startsWith("pending_segments"))) {
                syncing.countDown();
                PausingDirectory.hold(release);
            }
            super.sync(names);
        }
    }

    @Test
    void aCommitInFsyncBlocksNeitherWritesNorRefreshes() throws Exception {
        SlowSyncDirectory dir = new SlowSyncDirectory(new ByteBuffersDirectory());
        ShardWriter w = open(dir);
        try {
            w.apply(docs(0, 0, 10));
            w.startPeriodicCommit();
            assertThat(dir.syncing.await(10, TimeUnit.SECONDS)).as("the commit reached fsync").isTrue();

            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                w.apply(docs(0, 10, 20));
                w.refresh();
            }, "applying and refreshing while a commit is in fsync");
            assertThat(w.visibleCheckpoint().nextOffsets()).containsEntry(0, 20L);
            assertThat(DirectoryReader.listCommits(dir).getLast().getUserData()).as("the commit has not finished")
                    .doesNotContainEntry("offset.0", "10");

            dir.release.countDown();
            w.awaitPeriodicCommit();
            assertThat(DirectoryReader.listCommits(dir).getLast().getUserData()).as("restart point: offsets applied when the commit started")
                    .containsEntry("offset.0", "10");
        } finally {
            dir.release.countDown();
            w.close();
        }
    }

    @Test
    void aPeriodicCommitHoldsExactlyTheWritesItsOffsetsCover() throws Exception {
        SlowSyncDirectory dir = new SlowSyncDirectory(new ByteBuffersDirectory());
        ShardWriter w = open(dir);
        try {
            w.apply(docs(0, 0, 10));
            w.startPeriodicCommit();
            assertThat(dir.syncing.await(10, TimeUnit.SECONDS)).isTrue();
            w.apply(docs(0, 10, 20)); // applied while the commit fsyncs: belongs to the next commit
        } finally {
            dir.release.countDown();
        }
        w.awaitPeriodicCommit();
        w.crash();
        assertRestartsAt(dir, 10);
    }

    /**
     * A periodic commit starts after the next refresh has published (that refresh has just flushed
     * the buffered writes), not in the middle of one.
     */
    @Test
    void aPeriodicCommitStartsAfterTheNextRefresh() throws Exception {
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        // No automatic refresh: the test runs the one the commit waits for.
        ShardWriter w = new ShardWriter("test", IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 3600000}"),
                dir, Clock.systemUTC(), 60_000, 600_000, dl -> { }, new SimpleMeterRegistry(), Tags.empty());
        try {
            w.apply(docs(0, 0, 10));
            w.startPeriodicCommit();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> lastCommitOffset(dir) == null);
            w.refresh();
            await().atMost(Duration.ofSeconds(10)).until(() -> "10".equals(lastCommitOffset(dir)));
        } finally {
            w.close();
        }
    }

    /**
     * The apply gate opens as soon as the commit's contents are fixed (its first file write), not
     * only at its first fsync: writes go on during the commit's own flush, and the commit still holds
     * exactly the writes its offsets cover.
     */
    @Test
    void writesGoOnDuringTheCommitsFlushAndStayOutOfIt() throws Exception {
        PausingDirectory dir = new PausingDirectory(new ByteBuffersDirectory(), "commit-");
        // No refresh at all, and a commit that waits at most 50 ms for one: the commit flushes the buffer itself.
        IndexSchema noRefresh = IndexSchema.parse("{\"fields\": {\"name\": {\"type\": \"text\"}}, \"refresh_interval_ms\": 3600000}");
        ShardWriter w = new ShardWriter("test", noRefresh, dir, Clock.systemUTC(), 50, 600_000, dl -> { }, new SimpleMeterRegistry(), Tags.empty());
        ShardWriter writing = w;
        try {
            w.apply(docs(0, 0, 10));
            dir.arm();
            w.startPeriodicCommit();
            assertThat(dir.reached.await(10, TimeUnit.SECONDS)).as("the commit is flushing").isTrue();

            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> writing.apply(docs(0, 10, 25)), "applying while the commit flushes");
            dir.resume.countDown();
            w.awaitPeriodicCommit();
            assertThat(lastCommitOffset(dir)).isEqualTo("10");
        } finally {
            dir.resume.countDown();
        }
        w.crash();
        assertRestartsAt(dir, 10);
    }

    /** A writer reopened on {@code dir} resumes at {@code offset} of partition 0 and holds the documents before it. */
    private static void assertRestartsAt(Directory dir, long offset) throws IOException {
        ShardWriter w = open(dir);
        try {
            assertThat(w.nextOffsets()).containsEntry(0, offset);
            IndexSearcher s = w.searchers().acquire();
            try {
                assertThat(s.getIndexReader().numDocs()).as("documents in the commit").isEqualTo((int) offset);
            } finally {
                w.searchers().release(s);
            }
        } finally {
            w.close();
        }
    }

    private static String lastCommitOffset(Directory dir) throws IOException {
        return DirectoryReader.listCommits(dir).getLast().getUserData().get("offset.0");
    }

    private static List<LogRecord> docs(int partition, int fromOffset, int toOffset) {
        List<LogRecord> out = new ArrayList<>();
        for (int o = fromOffset; o < toOffset; o++) {
            out.add(new LogRecord(partition, o, "d" + o, ("{\"name\": \"doc " + o + "\"}").getBytes(StandardCharsets.UTF_8), null, 1_000));
        }
        return out;
    }

    private static ShardWriter open(Directory dir) throws IOException {
        return new ShardWriter("test", SCHEMA, dir, Clock.systemUTC(), 1_000_000, 600_000, dl -> { }, new SimpleMeterRegistry(), Tags.empty());
    }
}
