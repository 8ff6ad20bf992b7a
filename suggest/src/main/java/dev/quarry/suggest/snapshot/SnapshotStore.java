package dev.quarry.suggest.snapshot;

import dev.quarry.suggest.entries.EntryCapture;
import dev.quarry.suggest.fst.FstSnapshot;
import dev.quarry.suggest.fst.SnapshotCodec;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists each published snapshot of one index as {@code <dir>/snapshot.bin}: the {@link
 * SnapshotCodec} body followed by its CRC-32C (8 bytes, big-endian). Written to {@code
 * snapshot.bin.tmp}, forced to disk, then renamed over the old file (atomically where the file
 * system can) and the directory forced, so a crash leaves the old file or the new one, never a
 * torn one. {@link #load} ignores, with a warning, a file that is missing pieces, fails its
 * checksum or does not parse: the index then starts empty and replays the log from the start.
 *
 * <p>Thread-safety: {@link #published} runs on the index's build thread only (builds are
 * serialized); {@link #load} runs before the index is shared. No mutable state.
 */
public final class SnapshotStore implements SnapshotSink {

  private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);
  static final String FILE = "snapshot.bin";

  private final Path dir;

  public SnapshotStore(Path dir) {
    this.dir = dir;
  }

  /** The snapshot file. */
  public Path file() {
    return dir.resolve(FILE);
  }

  @Override
  public void published(FstSnapshot snapshot, EntryCapture capture) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(FILE + ".tmp");
    CRC32C crc = new CRC32C();
    try (FileChannel channel =
            FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream raw = java.nio.channels.Channels.newOutputStream(channel)) {
      DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(new CrcStream(raw, crc), 1 << 16));
      SnapshotCodec.write(snapshot, capture.docs(), out);
      out.flush();
      raw.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
      raw.flush();
      channel.force(true);
    }
    try {
      Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("cannot fsync directory {}", dir, e); // not supported everywhere
    }
  }

  /** Loads the persisted snapshot, or empty if there is none or it is unusable (logged). */
  public Optional<SnapshotCodec.Restored> load() {
    Path file = file();
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length < 8) {
        throw new IOException("file too short");
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length - 8);
      long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
      if (stored != crc.getValue()) {
        throw new IOException("checksum mismatch");
      }
      return Optional.of(
          SnapshotCodec.read(
              new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8))));
    } catch (IOException | RuntimeException e) {
      log.warn("ignoring unusable suggest snapshot {} ({}); the index replays its log from the start",
          file, e.getMessage());
      return Optional.empty();
    }
  }

  /** Feeds every written byte to a checksum. */
  private static final class CrcStream extends java.io.FilterOutputStream {
    private final CRC32C crc;

    CrcStream(OutputStream out, CRC32C crc) {
      super(out);
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      crc.update(b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      out.write(b, off, len);
    }
  }
}
