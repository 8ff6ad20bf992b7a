package dev.quarry.coordinator.write;

import dev.quarry.coordinator.error.CoordinatorException;
import dev.quarry.coordinator.fanout.ShardChannels;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.ReplicaRoute;
import dev.quarry.coordinator.routing.RoutingView;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.ingest.apply.LogRecord;
import dev.quarry.ingest.doc.BadRecordException;
import dev.quarry.ingest.doc.DocumentParser;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.AwaitAppliedRequest;
import dev.quarry.proto.v1.WriteResponse;
import dev.quarry.proto.v1.WriteResult;
import dev.quarry.proto.v1.WriteToken;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * {@code SearchService/Index} and {@code Delete}: synchronous writes through Kafka. The document
 * is validated against the schema first (a bad one never enters the log), produced with the
 * idempotent, {@code acks=all} producer, and the call returns once a replica of the owning shard
 * has applied it, with its result ({@code APPLIED} or {@code STALE}) and its token
 * (partition, offset) for read-your-writes searches. Thread-safety: the Kafka producer and the
 * channels are thread-safe; nothing else is mutable.
 */
public final class WriteHandler {
    private static final long DEFAULT_TIMEOUT_MS = 10_000;

    private final RoutingView routing;
    private final Producer<byte[], byte[]> producer;
    private final ShardChannels channels;

    public WriteHandler(RoutingView routing, Producer<byte[], byte[]> producer, ShardChannels channels) {
        this.routing = routing;
        this.producer = producer;
        this.channels = channels;
    }

    /** Writes a document; {@code version} is the external version or null for the offset. */
    public WriteResponse index(String index, String id, String sourceJson, Long version, Deadline clientDeadline) {
        IndexRoute route = routing.require(index);
        requireId(id);
        byte[] value = sourceJson.getBytes(StandardCharsets.UTF_8);
        try {
            new DocumentParser(route.schema()).parse(id, value);
        } catch (BadRecordException e) {
            throw CoordinatorException.invalid("document '" + id + "' rejected (" + e.reason().tag() + "): " + e.getMessage());
        }
        return write(route, id, value, version, deadline(clientDeadline));
    }

    /** Deletes a document (a tombstone record); {@code version} as for {@link #index}. */
    public WriteResponse delete(String index, String id, Long version, Deadline clientDeadline) {
        IndexRoute route = routing.require(index);
        requireId(id);
        return write(route, id, null, version, deadline(clientDeadline));
    }

    private WriteResponse write(IndexRoute route, String id, byte[] value, Long version, Deadline deadline) {
        if (version != null && version < 0) {
            throw CoordinatorException.invalid("version must not be negative");
        }
        RecordHeaders headers = new RecordHeaders();
        if (version != null) {
            headers.add(LogRecord.VERSION_HEADER, Long.toString(version).getBytes(StandardCharsets.UTF_8));
        }
        RecordMetadata md = produce(new ProducerRecord<>(Topics.docs(route.name()), null, id.getBytes(StandardCharsets.UTF_8), value, headers), deadline);
        WriteToken token = WriteToken.newBuilder().setPartition(md.partition()).setOffset(md.offset()).build();
        return WriteResponse.newBuilder().setToken(token).setResult(awaitApplied(route, route.shardFor(id), token, deadline)).build();
    }

    private RecordMetadata produce(ProducerRecord<byte[], byte[]> record, Deadline deadline) {
        try {
            return producer.send(record).get(Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS)), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CoordinatorException(CoordinatorException.Kind.DEADLINE_EXCEEDED, "Kafka did not acknowledge the write in time; it may still be applied");
        } catch (ExecutionException e) {
            throw CoordinatorException.unavailable("Kafka refused the write: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoordinatorException.unavailable("interrupted");
        }
    }

    private WriteResult awaitApplied(IndexRoute route, ShardRoute shard, WriteToken token, Deadline deadline) {
        AwaitAppliedRequest req = AwaitAppliedRequest.newBuilder().setIndex(route.name()).setShard(shard.shard()).setToken(token).build();
        StatusRuntimeException last = null;
        for (ReplicaRoute r : shard.replicas()) {
            try {
                return channels.stub(r.address()).withDeadline(deadline).awaitApplied(req).getResult();
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw new CoordinatorException(CoordinatorException.Kind.UNAVAILABLE, "the write is in Kafka at " + token.getPartition() + "@" + token.getOffset()
                + " but no replica of shard " + shard.shard() + " confirmed applying it" + (last == null ? " (none started)" : " (" + last.getStatus().getCode() + ")")
                + "; it will be applied when one is back");
    }

    private static void requireId(String id) {
        if (id == null || id.isEmpty()) {
            throw CoordinatorException.invalid("id is required");
        }
    }

    private static Deadline deadline(Deadline client) {
        return client != null ? client : Deadline.after(DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
