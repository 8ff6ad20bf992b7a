package dev.quarry.suggest.fst;

import dev.quarry.suggest.Suggestion;
import dev.quarry.suggest.Watermark;
import dev.quarry.suggest.entries.Contribution;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.store.InputStreamDataInput;
import org.apache.lucene.store.OutputStreamDataOutput;
import org.apache.lucene.util.fst.FST;
import org.apache.lucene.util.fst.PositiveIntOutputs;

/**
 * The body of a persisted snapshot: header, watermark, the entries by rank, what every document
 * contributes (so that the entry table, and with it later updates and deletes of those documents,
 * can be restored), then the FST itself. Framing, checksum and atomic replacement are {@link
 * dev.quarry.suggest.snapshot.SnapshotStore}'s.
 *
 * <p>Stateless; safe for any thread.
 */
public final class SnapshotCodec {

  private static final int MAGIC = 0x51535547; // "QSUG"
  private static final int FORMAT = 1;

  /** What a persisted snapshot restores. */
  public record Restored(FstSnapshot snapshot, Map<String, Contribution> docs) {}

  private SnapshotCodec() {}

  public static void write(FstSnapshot s, Map<String, Contribution> docs, DataOutputStream out)
      throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    out.writeLong(s.version());
    out.writeLong(s.generation());
    out.writeLong(s.builtAt().toEpochMilli());
    out.writeInt(s.watermark().offsets().size());
    for (Map.Entry<Integer, Long> e : s.watermark().offsets().entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeInt(s.maxStartsPerEntry());
    out.writeInt(s.size());
    for (int rank = 0; rank < s.size(); rank++) {
      Suggestion e = s.entry(rank);
      writeString(out, e.text());
      out.writeLong(e.weight());
      writeString(out, e.id());
    }
    out.writeInt(docs.size());
    for (Map.Entry<String, Contribution> d : docs.entrySet()) {
      writeString(out, d.getKey());
      out.writeLong(d.getValue().weight());
      out.writeInt(d.getValue().texts().size());
      for (String t : d.getValue().texts()) {
        writeString(out, t);
      }
    }
    out.writeBoolean(s.fst() != null);
    if (s.fst() != null) {
      OutputStreamDataOutput luceneOut = new OutputStreamDataOutput(out);
      s.fst().save(luceneOut, luceneOut);
    }
  }

  public static Restored read(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not a suggest snapshot (bad magic)");
    }
    int format = in.readInt();
    if (format != FORMAT) {
      throw new IOException("unsupported snapshot format " + format);
    }
    long version = in.readLong();
    long generation = in.readLong();
    Instant builtAt = Instant.ofEpochMilli(in.readLong());
    TreeMap<Integer, Long> offsets = new TreeMap<>();
    for (int n = count(in); n > 0; n--) {
      offsets.put(in.readInt(), in.readLong());
    }
    int maxStarts = in.readInt();
    Suggestion[] byRank = new Suggestion[count(in)];
    for (int rank = 0; rank < byRank.length; rank++) {
      byRank[rank] = new Suggestion(readString(in), in.readLong(), readString(in));
    }
    int docCount = count(in);
    Map<String, Contribution> docs = new HashMap<>(docCount * 4 / 3 + 1);
    for (int d = 0; d < docCount; d++) {
      String id = readString(in);
      long weight = in.readLong();
      List<String> texts = new ArrayList<>();
      for (int n = count(in); n > 0; n--) {
        texts.add(readString(in));
      }
      docs.put(id, new Contribution(texts, weight));
    }
    Watermark watermark = new Watermark(offsets);
    FstSnapshot snapshot;
    if (in.readBoolean()) {
      InputStreamDataInput luceneIn = new InputStreamDataInput(in);
      PositiveIntOutputs outputs = PositiveIntOutputs.getSingleton();
      FST<Long> fst = new FST<>(FST.readMetadata(luceneIn, outputs), luceneIn);
      snapshot = new FstSnapshot(fst, byRank, maxStarts, version, generation, watermark, builtAt);
    } else {
      snapshot = FstSnapshot.empty(version, generation, watermark, builtAt);
    }
    return new Restored(snapshot, docs);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative count in snapshot");
    }
    return n;
  }

  /** UTF-16 code units as is: round-trips every Java string, lone surrogates included. */
  private static void writeString(DataOutputStream out, String s) throws IOException {
    out.writeInt(s.length());
    out.writeChars(s);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = count(in);
    if (n > 1 << 24) {
      throw new IOException("string of " + n + " chars in snapshot");
    }
    byte[] bytes = in.readNBytes(n * 2);
    if (bytes.length != n * 2) {
      throw new java.io.EOFException("truncated snapshot");
    }
    return java.nio.ByteBuffer.wrap(bytes).asCharBuffer().toString();
  }
}
