package dev.quarry.cli.bench;

import dev.quarry.ingest.apply.OrderedApplyLoop;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.shard.node.ShardNodeConfig;
import dev.quarry.shard.replica.PeerRecovery;
import dev.quarry.shard.replica.ReplicaOptions;
import dev.quarry.shard.replica.ReplicaSpec;
import dev.quarry.shard.replica.ShardReplica;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * How long a new replica of one shard takes to become searchable up to the end of the log, two
 * ways, through the code paths a shard server uses ({@link PeerRecovery#copy} then
 * {@link ShardReplica#open}, as {@code ReplicaOpener} does): by copying a started peer's newest
 * commit file by file over gRPC and replaying only the tail that followed it, and by replaying the
 * shard's whole log from Kafka into an empty index. Each clock runs from the start until the new
 * replica's visible checkpoint covers every partition's end offset. The replicas opened here are
 * not registered in the cluster metadata, so they serve no queries and disturb no placement.
 */
final class RecoveryRun {
    /** Times in seconds; {@code copySeconds} is the file copy alone. */
    record Result(int shard, long docs, double fileCopyTotalSeconds, double copySeconds, long copiedBytes, double replaySeconds) {}

    private RecoveryRun() {}

    static Result run(ReplicaSpec spec, long docs, String peerAddress, String kafkaBootstrap, Path dir) throws Exception {
        Map<Integer, Long> ends = endOffsets(kafkaBootstrap, spec);
        Supplier<Consumer<byte[], byte[]>> consumers = () -> new KafkaConsumer<>(OrderedApplyLoop.consumerProperties(kafkaBootstrap,
                "bench-recovery", ShardNodeConfig.DEFAULT_MAX_POLL_RECORDS));

        long t0 = System.nanoTime();
        Path copyDir = dir.resolve("by-copy");
        PeerRecovery.Result copy = PeerRecovery.copy(peerAddress, spec.index(), spec.shard(), ShardReplica.directoryOf(copyDir, spec),
                ShardNodeConfig.DEFAULT_RECOVERY_BYTES_PER_SECOND);
        double copyTotal = (awaitCaughtUp(spec, copyDir, consumers, ends) - t0) / 1e9;

        long t1 = System.nanoTime();
        double replay = (awaitCaughtUp(spec, dir.resolve("by-replay"), consumers, ends) - t1) / 1e9;
        return new Result(spec.shard(), docs, copyTotal, copy.nanos() / 1e9, copy.bytes(), replay);
    }

    /** Opens the replica in {@code dataDir}; returns the {@link System#nanoTime} at which it was searchable up to {@code ends}. */
    private static long awaitCaughtUp(ReplicaSpec spec, Path dataDir, Supplier<Consumer<byte[], byte[]>> consumers, Map<Integer, Long> ends)
            throws Exception {
        try (ShardReplica r = ShardReplica.open(spec, "bench-recovery", dataDir, consumers, Clock.systemUTC(), ReplicaOptions.DEFAULTS,
                dl -> { }, new SimpleMeterRegistry())) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (!ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || r.checkpoint().covers(e.getKey(), e.getValue() - 1))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replica of " + spec.key() + " did not catch up within 10 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
            return System.nanoTime();
        }
    }

    private static Map<Integer, Long> endOffsets(String bootstrap, ReplicaSpec spec) {
        try (Consumer<byte[], byte[]> c = new KafkaConsumer<>(OrderedApplyLoop.consumerProperties(bootstrap, "bench-recovery-ends", 1))) {
            return c.endOffsets(spec.partitions().stream().map(p -> new TopicPartition(Topics.docs(spec.index()), p)).toList()).entrySet()
                    .stream().collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        }
    }
}
