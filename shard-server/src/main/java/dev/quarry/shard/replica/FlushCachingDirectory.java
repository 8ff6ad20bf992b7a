package dev.quarry.shard.replica;

import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.NRTCachingDirectory;

/**
 * A replica's directory: segments a refresh flushes (and the small files written with them) stay in
 * memory until a commit writes them out or a merge replaces them, as in Lucene's
 * {@link NRTCachingDirectory}; but a merge's output always goes to files. Plain
 * {@code NRTCachingDirectory} also keeps merged segments under its size limit in memory, and a
 * reader opened on them keeps reading heap buffers for the segment's whole life, even after a
 * commit has written the files: every search then pays for slicing and cloning
 * {@code ByteBuffersDataInput}s (about a tenth of the search threads' CPU on the 20,000-document
 * sample, whose idle-merged shards were 2-4 MB), and the heap holds long-lived segment bytes that
 * the young collections copy. Merges are background work and their segments long-lived, so files
 * (memory-mapped by the reader) suit them; flushes happen every second per replica, so memory suits
 * them.
 * Thread-safety: as {@link NRTCachingDirectory}.
 */
final class FlushCachingDirectory extends NRTCachingDirectory {
    FlushCachingDirectory(Directory delegate, double maxSegmentMb, double maxCachedMb) {
        super(delegate, maxSegmentMb, maxCachedMb);
    }

    @Override
    protected boolean doCacheWrite(String name, IOContext context) {
        return context.context() != IOContext.Context.MERGE && super.doCacheWrite(name, context);
    }
}
