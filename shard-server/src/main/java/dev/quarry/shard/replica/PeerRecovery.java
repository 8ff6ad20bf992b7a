package dev.quarry.shard.replica;

import dev.quarry.proto.v1.CopyCommitRequest;
import dev.quarry.proto.v1.FileChunk;
import dev.quarry.proto.v1.ShardServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target side of peer recovery: copies a started peer's newest commit into an empty replica
 * directory, checking each chunk's CRC32 and then each file's own Lucene checksum footer; fsyncs
 * every file. On any failure the directory is emptied again, so a half copy is never opened.
 * After the copy the replica opens normally and catches up from Kafka from the commit's offsets.
 */
public final class PeerRecovery {
    private static final Logger log = LoggerFactory.getLogger(PeerRecovery.class);

    private PeerRecovery() {}

    /** What a copy did. */
    public record Result(int files, long bytes, long nanos) {}

    public static Result copy(String peerAddress, String index, int shard, Path target, long bytesPerSecond) throws IOException {
        Files.createDirectories(target);
        long t0 = System.nanoTime();
        ManagedChannel ch = NettyChannelBuilder.forTarget(peerAddress).usePlaintext().maxInboundMessageSize(8 << 20).build();
        int files = 0;
        long bytes = 0;
        try {
            Iterator<FileChunk> chunks = ShardServiceGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.HOURS)
                    .copyCommit(CopyCommitRequest.newBuilder().setIndex(index).setShard(shard).setMaxBytesPerSecond(bytesPerSecond).build());
            String current = null;
            OutputStream out = null;
            try {
                while (chunks.hasNext()) {
                    FileChunk c = chunks.next();
                    CRC32 crc = new CRC32();
                    crc.update(c.getData().asReadOnlyByteBuffer());
                    if (crc.getValue() != c.getCrc32()) {
                        throw new IOException("checksum mismatch in " + c.getFile() + " at " + c.getOffset());
                    }
                    if (!c.getFile().equals(current)) {
                        closeAndSync(out, target, current);
                        current = safeName(c.getFile());
                        out = Files.newOutputStream(target.resolve(current), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                        files++;
                    }
                    c.getData().writeTo(out);
                    bytes += c.getData().size();
                }
                closeAndSync(out, target, current);
                out = null;
            } finally {
                if (out != null) {
                    out.close();
                }
            }
            verifyFooters(target);
            log.info("copied {} files ({} bytes) of {}/{} from {}", files, bytes, index, shard, peerAddress);
            return new Result(files, bytes, System.nanoTime() - t0);
        } catch (IOException | RuntimeException e) {
            emptyDirectory(target);
            throw e instanceof IOException io ? io : new IOException("peer recovery of " + index + "/" + shard + " from " + peerAddress + " failed: " + e.getMessage(), e);
        } finally {
            ch.shutdownNow();
        }
    }

    private static String safeName(String file) throws IOException {
        if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
            throw new IOException("peer sent an unsafe file name: " + file);
        }
        return file;
    }

    private static void closeAndSync(OutputStream out, Path dir, String file) throws IOException {
        if (out == null) {
            return;
        }
        out.close();
        try (FileChannel fc = FileChannel.open(dir.resolve(file), StandardOpenOption.WRITE)) {
            fc.force(true);
        }
    }

    /** Every Lucene file ends with a checksum of its whole content: check them all. */
    private static void verifyFooters(Path dir) throws IOException {
        try (FSDirectory d = FSDirectory.open(dir)) {
            for (String f : d.listAll()) {
                if (f.equals("write.lock")) {
                    continue;
                }
                try (IndexInput in = d.openInput(f, IOContext.READONCE)) {
                    CodecUtil.checksumEntireFile(in);
                }
            }
        }
    }

    private static void emptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
