package dev.quarry.cli.chaos;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.apply.VersionRules;
import dev.quarry.ingest.doc.BadRecordException;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.routing.ShardLayout;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.shard.index.Fingerprint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What every replica of an index must hold, computed independently of the shard servers: the
 * index's whole log read back from Kafka and replayed with the version rules (bad records skipped,
 * a write applies only above the stored version, deletes leave their version behind). Tombstone
 * garbage collection is ignored: the oracle keeps every delete, which gives the same live set as
 * long as the log is younger than the GC window.
 *
 * <p>Thread-safety: immutable once read.
 */
public final class LogOracle {
    /** The final state of one id. */
    public record State(long version, boolean deleted, int partition) {}

    private final IndexSchema schema;
    private final Map<String, State> state;
    private final long records;

    private LogOracle(IndexSchema schema, Map<String, State> state, long records) {
        this.schema = schema;
        this.state = Map.copyOf(state);
        this.records = records;
    }

    /** Reads {@code quarry.<index>.docs} from its beginning up to the end offsets of now. */
    public static LogOracle read(String bootstrap, String index, IndexSchema schema) {
        DocumentParser parser = new DocumentParser(schema);
        Map<String, State> state = new HashMap<>();
        long records = 0;
        Properties cp = new Properties();
        cp.put("bootstrap.servers", bootstrap);
        cp.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        cp.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        cp.put("max.poll.records", "5000");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < schema.partitions(); i++) {
                tps.add(new TopicPartition(Topics.docs(index), i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> cr : c.poll(Duration.ofMillis(200))) {
                    if (cr.offset() >= ends.get(new TopicPartition(cr.topic(), cr.partition()))) {
                        continue; // written after "now": not part of this snapshot of the log
                    }
                    records++;
                    LogRecord rec = LogRecord.of(cr);
                    long v;
                    try {
                        v = VersionRules.versionOf(rec);
                        if (!rec.isDelete()) {
                            parser.parse(rec.id(), rec.value());
                        }
                    } catch (BadRecordException e) {
                        continue;
                    }
                    State s = state.get(rec.id());
                    if (VersionRules.applies(s == null ? -1 : s.version(), v)) {
                        state.put(rec.id(), new State(v, rec.isDelete(), rec.partition()));
                    }
                }
            }
        }
        return new LogOracle(schema, state, records);
    }

    /** Records read. */
    public long records() {
        return records;
    }

    /** The final state of {@code id}, or null if the log never wrote it. */
    public State state(String id) {
        return state.get(id);
    }

    /** Per shard, the fingerprint (hex) every replica must report. */
    public Map<Integer, String> fingerprints() {
        Map<Integer, Long> sums = new HashMap<>();
        for (int shard = 0; shard < schema.shards(); shard++) {
            sums.put(shard, 0L);
        }
        state.forEach((id, s) -> {
            if (!s.deleted()) {
                sums.merge(shardOf(s.partition()), Fingerprint.of(id, s.version()), Long::sum);
            }
        });
        Map<Integer, String> out = new HashMap<>();
        sums.forEach((shard, fp) -> out.put(shard, Fingerprint.hex(fp)));
        return out;
    }

    /** Per shard, the live documents every replica must count. */
    public Map<Integer, Long> liveDocs() {
        Map<Integer, Long> out = new HashMap<>();
        state.values().forEach(s -> {
            if (!s.deleted()) {
                out.merge(shardOf(s.partition()), 1L, Long::sum);
            }
        });
        return out;
    }

    private int shardOf(int partition) {
        return shardOf(partition, schema);
    }

    /** The shard that owns {@code partition}. */
    public static int shardOf(int partition, IndexSchema schema) {
        for (int s = 0; s < schema.shards(); s++) {
            if (ShardLayout.partitionsOf(s, schema.shards(), schema.partitions()).contains(partition)) {
                return s;
            }
        }
        throw new IllegalStateException("no shard for partition " + partition);
    }
}
