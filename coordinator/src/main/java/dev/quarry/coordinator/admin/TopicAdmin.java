package dev.quarry.coordinator.admin;

import dev.quarry.coordinator.error.CoordinatorException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates and deletes an index's Kafka topics. The document topic is compacted (the latest record
 * per id is the document), so the log can be replayed from the start at any time.
 *
 * <p>A topic counts as created only once every partition's leader serves it ({@link #awaitLeaders}):
 * the controller acknowledges a new topic before the broker has opened its partitions, and an
 * idempotent producer that writes at once (several requests in flight) can then have its first
 * request refused as NOT_LEADER_OR_FOLLOWER while a later one is appended; every retry of the first
 * then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout drops it (KAFKA-15591,
 * seen in CI on 29 Nov: a bulk load right after index creation stuck).
 * Thread-safety: the Kafka {@link Admin} client is thread-safe.
 */
public final class TopicAdmin implements AutoCloseable {
    private static final long TIMEOUT_S = 30;
    private static final long READY_POLL_MS = 50;
    private final Admin admin;
    private final short replicationFactor;

    public TopicAdmin(String bootstrap, short replicationFactor) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "quarry-coordinator-admin");
        this.admin = Admin.create(p);
        this.replicationFactor = replicationFactor;
    }

    /** Creates the compacted document topic (or accepts an existing one with the same partition count). */
    public void createDocsTopic(String topic, int partitions) {
        create(new NewTopic(topic, partitions, replicationFactor).configs(Map.of("cleanup.policy", "compact")), partitions);
    }

    /** Creates the dead-letter topic (time-retained, one partition). */
    public void createDeadLetterTopic(String topic) {
        create(new NewTopic(topic, 1, replicationFactor), 1);
    }

    private void create(NewTopic topic, int partitions) {
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            awaitLeaders(topic.name(), partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw CoordinatorException.unavailable("cannot create Kafka topic " + topic.name() + ": " + e.getCause().getMessage());
            }
            int existing = partitionsOf(topic.name());
            if (existing != partitions) {
                throw new CoordinatorException(CoordinatorException.Kind.FAILED_PRECONDITION,
                        "Kafka topic " + topic.name() + " already exists with " + existing + " partitions, the schema asks for " + partitions);
            }
        } catch (TimeoutException e) {
            throw CoordinatorException.unavailable("Kafka did not create topic " + topic.name() + " within " + TIMEOUT_S + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoordinatorException.unavailable("interrupted");
        }
    }

    /**
     * Waits until the leader of every partition answers a ListOffsets request, which only an opened
     * partition does. Right after creation the broker may not know the topic at all, which the admin
     * client reports at once as a retriable error: then it asks again, every {@value #READY_POLL_MS} ms.
     */
    private void awaitLeaders(String topic, int partitions) throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetSpec> all = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            all.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            try {
                admin.listOffsets(all).all().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(READY_POLL_MS);
            }
        }
    }

    private int partitionsOf(String topic) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).get(topic);
            return d.partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw CoordinatorException.unavailable("cannot describe Kafka topic " + topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoordinatorException.unavailable("interrupted");
        }
    }

    public void deleteTopics(List<String> topics) {
        try {
            admin.deleteTopics(topics).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw CoordinatorException.unavailable("cannot delete Kafka topics " + topics + ": " + e.getCause().getMessage());
            }
        } catch (TimeoutException e) {
            throw CoordinatorException.unavailable("Kafka did not delete topics within " + TIMEOUT_S + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
