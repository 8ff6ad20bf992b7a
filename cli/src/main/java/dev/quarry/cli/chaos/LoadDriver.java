package dev.quarry.cli.chaos;

import dev.quarry.coordinator.api.AdmissionInterceptor;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.routing.Topics;
import dev.quarry.proto.v1.IndexRequest;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchServiceGrpc;
import dev.quarry.proto.v1.WriteResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The scenario's clients, each on virtual threads, all logging to one {@link ClientLog}:
 * <ul>
 *   <li>interactive queries, open loop at a fixed rate (a slow answer does not slow the offered
 *       load), Zipf-distributed over generated queries, header {@code quarry-priority: interactive};
 *   <li>steady writes through the coordinator's synchronous {@code Index} (acknowledged once applied);
 *   <li>the storm: updates of the hot shard's documents straight to Kafka at a fixed rate,
 *       acknowledged by the broker ({@code acks=all}, idempotent producer);
 *   <li>the flood: closed-loop batch queries ({@code quarry-priority: batch}), backing off as the
 *       {@code retry-after-ms} trailer of a refusal asks, as a well-behaved client does.
 * </ul>
 * Thread-safety: start/stop methods are called from the scenario thread; the loops run on their own.
 */
final class LoadDriver implements AutoCloseable {
    static final long QUERY_DEADLINE_MS = 2_000;
    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

    private final String index;
    private final ClientLog log;
    private final SearchServiceGrpc.SearchServiceBlockingStub interactive;
    private final SearchServiceGrpc.SearchServiceBlockingStub batch;
    private final SearchServiceGrpc.SearchServiceBlockingStub writer;
    private final Producer<byte[], byte[]> producer;
    private final List<String> queries;
    private final ZipfSampler zipf;
    private final List<Doc> docs;
    private final List<Doc> hotDocs;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean steadyOn = new AtomicBoolean(true);
    private final AtomicBoolean stormOn = new AtomicBoolean(false);
    private final AtomicBoolean floodOn = new AtomicBoolean(false);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A corpus document: its id and the JSON written for it (downloads are rewritten on each update). */
    record Doc(String id, String name, String description) {
        String json(long downloads) {
            try {
                return JSON.writeValueAsString(new java.util.LinkedHashMap<>(java.util.Map.of("id", id, "name", name, "version", "chaos",
                        "description", description, "downloads", downloads)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write the document " + id, e);
            }
        }
    }

    LoadDriver(ManagedChannel coordinator, String kafka, String index, ClientLog log, List<String> queries, List<Doc> docs, List<Doc> hotDocs) {
        this.index = index;
        this.log = log;
        this.interactive = withHeaders(SearchServiceGrpc.newBlockingStub(coordinator), "chaos-interactive", "interactive");
        this.batch = withHeaders(SearchServiceGrpc.newBlockingStub(coordinator), "chaos-batch", "batch");
        this.writer = withHeaders(SearchServiceGrpc.newBlockingStub(coordinator), "chaos-writer", "interactive");
        this.producer = new KafkaProducer<>(BulkLoader.producerProperties(kafka, "quarry-chaos-storm"));
        this.queries = List.copyOf(queries);
        this.zipf = new ZipfSampler(queries.size(), 1.1);
        this.docs = List.copyOf(docs);
        this.hotDocs = List.copyOf(hotDocs);
    }

    private static SearchServiceGrpc.SearchServiceBlockingStub withHeaders(SearchServiceGrpc.SearchServiceBlockingStub stub, String client,
                                                                           String priority) {
        Metadata h = new Metadata();
        h.put(AdmissionInterceptor.CLIENT_HEADER, client);
        h.put(AdmissionInterceptor.PRIORITY_HEADER, priority);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }

    /** Starts the interactive queries and the steady writes; they run until {@link #close}. */
    void startSteady(double queriesPerSecond, double writesPerSecond) {
        spawn("interactive-pacer", () -> paced(queriesPerSecond, steadyOn, r -> Thread.ofVirtual().start(() -> query(true, r))));
        spawn("steady-writes", () -> paced(writesPerSecond, steadyOn, r -> Thread.ofVirtual().start(() -> write(r))));
    }

    void startStorm(double updatesPerSecond) {
        stormOn.set(true);
        spawn("storm", () -> paced(updatesPerSecond, stormOn, this::stormUpdate));
    }

    void stopStorm() {
        stormOn.set(false);
        producer.flush();
    }

    void startFlood(int clients) {
        floodOn.set(true);
        for (int i = 0; i < clients; i++) {
            spawn("flood-" + i, () -> {
                SplittableRandom r = new SplittableRandom();
                while (floodOn.get()) {
                    long backoff = query(false, r);
                    if (backoff > 0) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                    }
                }
            });
        }
    }

    void stopFlood() {
        floodOn.set(false);
    }

    /** Runs {@code action} {@code perSecond} times a second (in 10 ms ticks, catching up after a stall) while {@code on}. */
    private static void paced(double perSecond, AtomicBoolean on, java.util.function.Consumer<SplittableRandom> action) {
        SplittableRandom r = new SplittableRandom();
        long t0 = System.nanoTime();
        long done = 0;
        while (on.get()) {
            long due = (long) ((System.nanoTime() - t0) / 1e9 * perSecond);
            for (; done < due && on.get(); done++) {
                action.accept(r);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** One query; returns how long the client should wait before the next (batch back-off after a refusal), ms. */
    private long query(boolean isInteractive, SplittableRandom r) {
        String q = queries.get(zipf.sample(r));
        long t0 = System.nanoTime();
        try {
            (isInteractive ? interactive : batch).withDeadlineAfter(QUERY_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .search(SearchRequest.newBuilder().setIndex(index).setQuery(q).setK(10).build());
            log.answered(isInteractive, (System.nanoTime() - t0) / 1000);
            return 0;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                log.shed(isInteractive);
                String hint = e.getTrailers() == null ? null : e.getTrailers().get(RETRY_AFTER);
                return hint == null ? 50 : Math.max(10, Math.min(1_000, Long.parseLong(hint)));
            }
            log.failed(isInteractive, e.getStatus());
            return 20;
        }
    }

    private void write(SplittableRandom r) {
        Doc d = docs.get(r.nextInt(docs.size()));
        try {
            WriteResponse w = writer.withDeadlineAfter(5, TimeUnit.SECONDS).index(IndexRequest.newBuilder().setIndex(index).setId(d.id())
                    .setSourceJson(d.json(r.nextInt(1_000_000))).build());
            log.acked(d.id(), w.getToken().getOffset());
        } catch (StatusRuntimeException e) {
            log.writeFailed(); // unacknowledged: it may or may not have reached the log, and nothing is promised about it
        }
    }

    private void stormUpdate(SplittableRandom r) {
        Doc d = hotDocs.get(r.nextInt(hotDocs.size()));
        producer.send(new ProducerRecord<>(Topics.docs(index), d.id().getBytes(StandardCharsets.UTF_8),
                d.json(r.nextInt(1_000_000)).getBytes(StandardCharsets.UTF_8)), (meta, e) -> {
            if (e == null) {
                log.acked(d.id(), meta.offset());
            } else {
                log.writeFailed();
            }
        });
    }

    private void spawn(String name, Runnable body) {
        threads.add(Thread.ofPlatform().daemon().name("chaos-" + name).start(body));
    }

    @Override
    public void close() throws InterruptedException {
        steadyOn.set(false);
        stormOn.set(false);
        floodOn.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        producer.close();
    }
}
