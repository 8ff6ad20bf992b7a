package dev.quarry.meta.ratis;

import dev.quarry.meta.state.ClusterStates;
import dev.quarry.proto.v1.ClusterState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The on-disk form of a state snapshot, and its crash-safe write.
 *
 * <p>Layout (big-endian): magic {@code "QMS1"} (int), format version (int), term (long), log
 * index (long), payload length (int), payload (the {@link ClusterState}, deterministically
 * serialized), CRC32C of everything before it (int). A reader refuses a file whose magic,
 * version, length or checksum does not match, so a torn or bit-flipped snapshot is never loaded.
 *
 * <p>A write goes to {@code <name>.tmp}, is fsynced, renamed atomically over the final name and the
 * directory is fsynced; only then does the caller register it. If any step fails the temporary file
 * is removed and the exception propagates: a failed write never leaves a file under the final name.
 */
public final class SnapshotFile {
    static final int MAGIC = 0x514D5331; // "QMS1"
    static final int FORMAT_VERSION = 1;
    /** Header: magic, version, term, index, length. */
    private static final int HEADER_BYTES = 4 + 4 + 8 + 8 + 4;
    private static final int TRAILER_BYTES = 4;
    /** Refuse absurd lengths before allocating: far above any real cluster state. */
    static final int MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

    /** A snapshot read back and verified. */
    public record Loaded(long term, long index, ClusterState state) {}

    private SnapshotFile() {}

    /** Writes, fsyncs and atomically publishes the snapshot at {@code target}. */
    public static void write(Path target, long term, long index, ClusterState state) throws IOException {
        byte[] payload = ClusterStates.toDeterministicBytes(state);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payload.length + TRAILER_BYTES);
        buf.putInt(MAGIC).putInt(FORMAT_VERSION).putLong(term).putLong(index).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        buf.flip();

        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        boolean published = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the snapshot directory does not support atomic rename: "
                        + target.getParent(), e);
            }
            published = true;
            fsyncDirectory(target.toAbsolutePath().getParent());
        } finally {
            if (!published) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Reads and verifies a snapshot; throws {@link IOException} if it is corrupt or truncated. */
    public static Loaded read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new IOException("snapshot " + file + " is truncated (" + bytes.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        int version = buf.getInt();
        long term = buf.getLong();
        long index = buf.getLong();
        int length = buf.getInt();
        if (magic != MAGIC) {
            throw new IOException("snapshot " + file + " is not a Quarry meta snapshot (bad magic)");
        }
        if (version != FORMAT_VERSION) {
            throw new IOException("snapshot " + file + " has unsupported format version " + version);
        }
        if (length < 0 || length > MAX_PAYLOAD_BYTES || bytes.length != HEADER_BYTES + length + TRAILER_BYTES) {
            throw new IOException("snapshot " + file + " is truncated or has a bad length (" + length + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, HEADER_BYTES + length);
        int stored = ByteBuffer.wrap(bytes, HEADER_BYTES + length, TRAILER_BYTES).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IOException("snapshot " + file + " failed its checksum: the file is corrupt");
        }
        ClusterState state = ClusterState.parseFrom(ByteBuffer.wrap(bytes, HEADER_BYTES, length));
        return new Loaded(term, index, state);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
