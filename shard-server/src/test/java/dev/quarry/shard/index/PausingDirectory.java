package dev.quarry.shard.index;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;

/**
 * A directory that, once {@link #arm}ed, holds the next file created by a thread whose name starts
 * with a given prefix until {@link #resume} is counted down: a flush paused where a test wants it.
 * A pause after the first one waits for a file of a segment other than the last paused at (one
 * flush writes many files of one segment).
 *
 * <p>Thread-safety: volatile latches; {@link #arm} sets {@link #resume} before {@link #reached}, and
 * a paused thread reads {@code resume} before it counts {@code reached} down, so a test may arm the
 * next pause as soon as one is reached.
 */
final class PausingDirectory extends FilterDirectory {
    private final String threadPrefix;
    volatile CountDownLatch reached;
    volatile CountDownLatch resume;
    private volatile String pausedSegment = "";

    PausingDirectory(Directory in, String threadPrefix) {
        super(in);
        this.threadPrefix = threadPrefix;
    }

    /** The next file a matching thread creates (for a segment not paused at last) waits for {@link #resume}. */
    void arm() {
        resume = new CountDownLatch(1);
        reached = new CountDownLatch(1);
    }

    @Override
    public IndexOutput createOutput(String name, IOContext context) throws IOException {
        CountDownLatch r = reached;
        CountDownLatch go = resume;
        String segment = IndexFileNames.parseSegmentName(name);
        if (Thread.currentThread().getName().startsWith(threadPrefix) && r != null && r.getCount() > 0 && !segment.equals(pausedSegment)) {
            pausedSegment = segment;
            r.countDown();
            hold(go);
        }
        return super.createOutput(name, context);
    }

    /** Waits for {@code go} inside a directory operation (an interrupt surfaces as the operation's IOException). */
    static void hold(CountDownLatch go) throws IOException {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
