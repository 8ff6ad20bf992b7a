package dev.quarry.ingest.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.ingest.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends JSON lines to an index's document topic, keyed by each document's id field, through an
 * idempotent producer. A line that is not a JSON object with a string id is not sent and is
 * reported with its line number; the shard servers validate the rest against the schema.
 * Thread-safety: one load per instance, on the calling thread (the producer's callbacks only touch
 * atomics).
 */
public final class BulkLoader {
    /** Rejected lines remembered for the summary; the count goes on past it. */
    public static final int MAX_REPORTED_REJECTS = 100;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String idField;

    public BulkLoader(Producer<byte[], byte[]> producer, String topic, String idField) {
        this.producer = producer;
        this.topic = topic;
        this.idField = idField;
    }

    /** Producer settings for loads and synchronous writes: idempotent, acks=all, batched. */
    public static Properties producerProperties(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", clientId);
        p.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", Integer.toString(256 * 1024));
        p.put("max.in.flight.requests.per.connection", "5");
        return p;
    }

    /**
     * Reads {@code in} to its end and sends every valid line; blocks until Kafka acknowledged all.
     *
     * @param progress called with the number of lines read so far, now and then
     */
    public LoadSummary load(BufferedReader in, LongConsumer progress) throws IOException {
        long start = System.nanoTime();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<Integer, Long> ends = new ConcurrentHashMap<>();
        List<LoadSummary.RejectedLine> rejected = new ArrayList<>();
        long rejectedCount = 0;
        long lineNo = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String id;
            try {
                id = idOf(line);
            } catch (IllegalArgumentException e) {
                rejectedCount++;
                if (rejected.size() < MAX_REPORTED_REJECTS) {
                    rejected.add(new LoadSummary.RejectedLine(lineNo, e.getMessage()));
                }
                continue;
            }
            producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8)),
                    (md, ex) -> {
                        if (ex == null) {
                            acked.incrementAndGet();
                            ends.merge(md.partition(), md.offset() + 1, Math::max);
                        } else {
                            failed.incrementAndGet();
                        }
                    });
            if ((lineNo & 1023) == 0) {
                progress.accept(lineNo);
            }
        }
        producer.flush();
        progress.accept(lineNo);
        return new LoadSummary(lineNo, acked.get(), rejected, rejectedCount, failed.get(), System.nanoTime() - start, ends);
    }

    private String idOf(String line) {
        JsonNode node;
        try {
            node = Json.parse(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode id = obj.get(idField);
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw new IllegalArgumentException("no string \"" + idField + "\" field");
        }
        return id.asText();
    }
}
