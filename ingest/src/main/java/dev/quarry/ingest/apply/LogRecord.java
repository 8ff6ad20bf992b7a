package dev.quarry.ingest.apply;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of an index's document log, as the apply loop hands it over.
 *
 * @param partition     Kafka partition
 * @param offset        Kafka offset: the write's sequence number within its partition
 * @param id            the key as UTF-8 (null when the record had no key)
 * @param value         the JSON document, or null for a delete (tombstone)
 * @param versionHeader the raw {@code quarry-version} header, or null when absent
 * @param timestampMs   the record's Kafka timestamp
 */
public record LogRecord(int partition, long offset, String id, byte[] value, String versionHeader, long timestampMs) {
    /** The header that carries an external version (a decimal long). */
    public static final String VERSION_HEADER = "quarry-version";

    public boolean isDelete() {
        return value == null;
    }

    public static LogRecord of(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader(VERSION_HEADER);
        return new LogRecord(
                r.partition(),
                r.offset(),
                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                r.value(),
                h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8),
                r.timestamp());
    }
}
