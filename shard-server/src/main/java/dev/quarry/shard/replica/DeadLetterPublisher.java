package dev.quarry.shard.replica;

import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.shard.index.DeadLetter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies records no replica can apply to {@code quarry.<index>.dlq}, with the reason in headers.
 * Every replica skips a bad record, but only the shard's designated replica (the first in its
 * placement) copies it, so each bad record lands once (a replay after a crash of the designated
 * replica may copy a record again; the headers name its partition and offset so readers can
 * de-duplicate). Headers: {@code quarry-dlq-reason}, {@code quarry-dlq-error},
 * {@code quarry-source-partition}, {@code quarry-source-offset}.
 *
 * <p>Metrics, tagged index, reason and node: {@code quarry_dlq_published_total} counts copies Kafka
 * acknowledged (once per copy; {@code quarry_ingest_bad_records_total} counts the records every
 * replica skipped), {@code quarry_dlq_publish_failures_total} the copies Kafka refused.
 *
 * <p>Thread-safety: the Kafka producer is thread-safe; the designation set is an immutable set
 * swapped through a volatile field by the node's reconcile thread.
 */
public final class DeadLetterPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final String bootstrap;
    private final String nodeId;
    private final MeterRegistry metrics;
    private volatile Set<String> designated = Set.of();
    private Producer<byte[], byte[]> producer;

    public DeadLetterPublisher(String bootstrap, String nodeId, MeterRegistry metrics) {
        this.bootstrap = bootstrap;
        this.nodeId = nodeId;
        this.metrics = metrics;
    }

    /** The replicas ({@code index/shard}) whose bad records this node publishes. */
    public void designate(Set<String> replicaKeys) {
        designated = Set.copyOf(replicaKeys);
    }

    /** The sink a replica's writer hands its bad records to. */
    public Consumer<DeadLetter> sinkFor(ReplicaSpec spec) {
        return dl -> {
            if (designated.contains(spec.key())) {
                publish(spec.index(), dl);
            }
        };
    }

    private void publish(String index, DeadLetter dl) {
        LogRecord r = dl.record();
        RecordHeaders h = new RecordHeaders();
        h.add("quarry-dlq-reason", dl.reason().getBytes(StandardCharsets.UTF_8));
        h.add("quarry-dlq-error", dl.message().getBytes(StandardCharsets.UTF_8));
        h.add("quarry-source-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        h.add("quarry-source-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        if (r.versionHeader() != null) {
            h.add(LogRecord.VERSION_HEADER, r.versionHeader().getBytes(StandardCharsets.UTF_8));
        }
        byte[] key = r.id() == null ? null : r.id().getBytes(StandardCharsets.UTF_8);
        Tags tags = Tags.of("index", index, "reason", dl.reason(), "node", nodeId);
        producer().send(new ProducerRecord<>(Topics.deadLetters(index), null, key, r.value(), h), (md, ex) -> {
            if (ex != null) {
                metrics.counter("quarry_dlq_publish_failures_total", tags).increment();
                log.warn("[{}] could not dead-letter {}@{} of {}: {}", nodeId, r.partition(), r.offset(), index, ex.toString());
            } else {
                metrics.counter("quarry_dlq_published_total", tags).increment();
            }
        });
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(BulkLoader.producerProperties(bootstrap, "quarry-dlq-" + nodeId));
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close();
        }
    }
}
