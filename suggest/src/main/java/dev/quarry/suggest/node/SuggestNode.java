package dev.quarry.suggest.node;

import dev.quarry.common.io.FileTrees;
import dev.quarry.common.meta.MetaClient;
import dev.quarry.common.meta.StateWatcher;
import dev.quarry.ingest.apply.OrderedApplyLoop;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.ingest.schema.IndexSchema;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexRegistry;
import dev.quarry.suggest.feed.SuggestFeed;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link SuggestIndex} per index whose schema has a suggest config, each fed by its own
 * apply loop over all partitions of the index's topic, following raft-meta's state: new indices
 * are opened, deleted ones closed. Thread-safety: opening and closing happen on one follower
 * thread; lookups go through the thread-safe {@link SuggestIndexRegistry}.
 */
public final class SuggestNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuggestNode.class);

    private final String kafkaBootstrap;
    private final Path dataDir;
    private final MeterRegistry metrics;
    private final SuggestIndexRegistry registry = new SuggestIndexRegistry();
    private final ExecutorService follower = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "suggest-follower");
        t.setDaemon(true);
        return t;
    });
    /** Follower thread only. */
    private final Map<String, Feed> feeds = new HashMap<>();
    private final MetaClient meta;
    private final StateWatcher watcher;

    private record Feed(SuggestIndex index, OrderedApplyLoop loop) {}

    /**
     * @param dataDir where each index persists its snapshots ({@code <dataDir>/<index>/snapshot.bin});
     *     a restart restores them and replays only the records that followed
     */
    public SuggestNode(String kafkaBootstrap, String metaAddresses, Path dataDir, MeterRegistry metrics) {
        this.kafkaBootstrap = kafkaBootstrap;
        this.dataDir = java.util.Objects.requireNonNull(dataDir, "dataDir");
        this.metrics = metrics;
        this.meta = MetaClient.connect(metaAddresses);
        this.watcher = meta.watch();
        watcher.addListener(state -> follower.execute(() -> follow(state)));
    }

    public SuggestIndexRegistry registry() {
        return registry;
    }

    /** Follower thread only. */
    private void follow(ClusterState state) {
        for (String name : List.copyOf(feeds.keySet())) {
            if (!state.containsIndices(name)) {
                closeFeed(name);
                deleteSnapshots(name); // a re-created index of that name must not restore them
            }
        }
        for (IndexInfo idx : state.getIndicesMap().values()) {
            if (feeds.containsKey(idx.getName())) {
                continue;
            }
            IndexSchema schema = IndexSchema.parse(idx.getSchemaJson());
            if (schema.suggest().isEmpty()) {
                continue;
            }
            SuggestIndex index = SuggestIndex.builder(idx.getName()).meterRegistry(metrics)
                    .dataDir(dataDir.resolve(idx.getName())).build();
            SuggestFeed feed = new SuggestFeed(index, schema);
            List<Integer> partitions = IntStream.range(0, idx.getPartitions()).boxed().toList();
            OrderedApplyLoop loop = new OrderedApplyLoop("suggest:" + idx.getName(), Topics.docs(idx.getName()), partitions,
                    () -> new KafkaConsumer<>(OrderedApplyLoop.consumerProperties(kafkaBootstrap, "quarry-suggest", 5_000)), feed);
            registry.register(index);
            feeds.put(idx.getName(), new Feed(index, loop));
            loop.start();
            log.info("suggest: following index {} ({} partitions)", idx.getName(), partitions.size());
        }
    }

    private void closeFeed(String name) {
        Feed f = feeds.remove(name);
        registry.remove(name);
        f.loop().close();
        f.index().close();
    }

    private void deleteSnapshots(String name) {
        Path dir = dataDir.resolve(name);
        try {
            FileTrees.delete(dir); // nothing there if never persisted
        } catch (java.io.IOException e) {
            log.warn("suggest: cannot delete the snapshots of deleted index {} in {}", name, dir, e);
        }
    }

    // --- liveness (issue 4): register as SUGGEST and heartbeat; re-register when fenced ---
    private volatile dev.quarry.common.meta.Heartbeater heartbeater;

    /**
     * Registers this suggest server with raft-meta (role SUGGEST) under {@code nodeId}, advertising
     * {@code address} (its HTTP host:port), and heartbeats every second; a fenced incarnation is
     * replaced by registering again. Call once, after the HTTP server is up.
     */
    public void startLiveness(String nodeId, String address) {
        dev.quarry.proto.v1.MetaCommand register = dev.quarry.proto.v1.MetaCommand.newBuilder()
                .setRegisterNode(dev.quarry.proto.v1.RegisterNodeCommand.newBuilder().setId(nodeId).setAddress(address)
                        .setRole(dev.quarry.proto.v1.NodeRole.SUGGEST)).build();
        long incarnation = meta.submit(register, java.time.Duration.ofMinutes(2)).getIncarnation(); // waits for raft-meta at start-up
        heartbeater = dev.quarry.common.meta.Heartbeater.start(meta, nodeId, incarnation,
                java.time.Duration.ofSeconds(1), List::of, old -> meta.submit(register).getIncarnation());
    }
    /**
     * Graceful shutdown: stops heartbeating and marks this node down in raft-meta at once (instead of
     * when its lease runs out). Call before closing the HTTP server; {@link #close()} follows.
     */
    public void deregister() {
        if (heartbeater != null) {
            heartbeater.deregister();
        }
    }
    // --- end liveness ---

    @Override
    public void close() {
        if (heartbeater != null) {
            heartbeater.close(); // liveness (issue 4)
        }
        watcher.close();
        follower.shutdown();
        try {
            follower.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String name : List.copyOf(feeds.keySet())) {
            closeFeed(name);
        }
        meta.close();
    }
}
