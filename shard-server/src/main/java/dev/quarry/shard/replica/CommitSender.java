package dev.quarry.shard.replica;

import com.google.protobuf.ByteString;
import dev.quarry.proto.v1.FileChunk;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;

/**
 * The source side of peer recovery: streams every file of a pinned commit in chunks with a CRC32
 * each, the {@code segments_N} file last (so a receiver that stops half-way never holds a commit
 * point naming missing files), at a bounded rate, respecting gRPC flow control (it waits while the
 * receiver is not ready instead of buffering). Stateless; one call per stream.
 */
final class CommitSender {
    /** 1 MiB: large enough to amortize per-message cost, small enough to pace smoothly. */
    static final int CHUNK_BYTES = 1 << 20;
    /** Default copy rate: leaves the disk and the network to queries and ingest. */
    static final long DEFAULT_BYTES_PER_SECOND = 200L << 20;

    private CommitSender() {}

    static void send(Directory dir, IndexCommit commit, long bytesPerSecond, ServerCallStreamObserver<FileChunk> out) throws IOException {
        long rate = bytesPerSecond <= 0 ? DEFAULT_BYTES_PER_SECOND : bytesPerSecond;
        List<String> files = new ArrayList<>(commit.getFileNames());
        files.sort(Comparator.comparing((String f) -> f.startsWith("segments_")).thenComparing(f -> f));
        long start = System.nanoTime();
        long sent = 0;
        byte[] buf = new byte[CHUNK_BYTES];
        for (String file : files) {
            try (IndexInput in = dir.openInput(file, IOContext.READONCE)) {
                long length = in.length();
                long offset = 0;
                do {
                    int n = (int) Math.min(buf.length, length - offset);
                    in.readBytes(buf, 0, n);
                    CRC32 crc = new CRC32();
                    crc.update(buf, 0, n);
                    awaitReady(out);
                    out.onNext(FileChunk.newBuilder().setFile(file).setFileLength(length).setOffset(offset)
                            .setData(ByteString.copyFrom(buf, 0, n)).setCrc32(crc.getValue()).build());
                    offset += n;
                    sent += n;
                    pace(start, sent, rate);
                } while (offset < length);
            }
        }
    }

    private static void awaitReady(ServerCallStreamObserver<FileChunk> out) {
        while (!out.isReady()) {
            if (out.isCancelled()) {
                throw io.grpc.Status.CANCELLED.withDescription("receiver went away").asRuntimeException();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Sleeps as long as sending is ahead of {@code rate}. */
    private static void pace(long startNanos, long sentBytes, long rate) {
        long due = startNanos + (long) (sentBytes * 1e9 / rate);
        long ahead = due - System.nanoTime();
        if (ahead > 0) {
            LockSupport.parkNanos(ahead);
        }
    }
}
