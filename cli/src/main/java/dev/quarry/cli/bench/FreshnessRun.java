package dev.quarry.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quarry.ingest.json.Json;
import dev.quarry.proto.v1.AdminServiceGrpc;
import dev.quarry.proto.v1.ClusterStatusRequest;
import dev.quarry.proto.v1.ReplicaStatus;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Freshness lag: produces new documents or updates ({@link Writes}) at a fixed rate and, <em>while producing</em>, polls the
 * cluster status every {@link #POLL_MS} ms; a document counts as searchable when every replica's
 * visible checkpoint covers its offset, and its lag is the time from the producer's acknowledgement
 * to the status answer that first showed it covered (an upper bound; the resolution is the poll
 * interval plus one status round trip).
 *
 * <p>Two things a measurement like this can get wrong, and what this one does about them: the
 * observer must run during production (an observer started after the last send charges every
 * document with the rest of the production time: lag grows linearly with the run, max = run
 * length), and pacing must not busy-wait (a spinning sender takes one of two cores away from the
 * cluster it measures). The sender parks until each document is due; the CPU the bench itself used
 * (sender, producer I/O thread, observer) is reported beside the result.
 *
 * <p>A run can begin with a warm-up: the first {@code warmup} writes go out at the same rate, in the
 * same stream, and their lags are kept apart from the measured ones. A JVM a minute old is still
 * compiling (a JFR recording of the ingest bench showed its C2 compiler thread busy through the whole
 * run, recompiling Lucene's flush and merge code as new segments exercised it): without a warm-up the
 * first seconds of a run measure that start-up, not the steady state of a running node.
 *
 * <p>Thread-safety: {@link #run} on one thread; it starts one observer thread; the producer's
 * callbacks (on its I/O thread) only append to per-partition concurrent queues. Acknowledgements of
 * one partition arrive in offset order (idempotent producer), so each queue is ordered by offset.
 */
final class FreshnessRun {
    /** Status poll interval: the resolution of the lag (plus one status round trip). */
    static final long POLL_MS = 25;

    /**
     * Lags in ms of the measured writes, overall and by half of them (a growing lag means the cluster
     * falls behind), and of the warm-up's writes; rate and seconds are the measured part's.
     */
    record Result(double rate, double seconds, Histogram lagMs, Histogram firstHalfMs, Histogram secondHalfMs, Histogram warmupMs,
                  double benchCpuCores) {}

    /** Which histogram a write's lag goes to. */
    enum Part { WARMUP, FIRST_HALF, SECOND_HALF }

    /** The part of the {@code i}-th write of a run of {@code warmup} then {@code n} writes. */
    static Part partOf(int i, int warmup, int n) {
        return i < warmup ? Part.WARMUP : i - warmup < n / 2 ? Part.FIRST_HALF : Part.SECOND_HALF;
    }

    private record Ack(long offset, long nanos, Part part) {}

    /** What the run writes. */
    enum Writes {
        /** Documents under new ids (the corpus's documents, each id given a suffix): the kind of write the throughput run measured. */
        NEW_DOCUMENTS("new documents"),
        /** A change of existing documents (their downloads): each replaces a document, so it costs a delete in an older segment too. */
        UPDATES("updates of existing documents");

        final String label;

        Writes(String label) {
            this.label = label;
        }
    }

    private FreshnessRun() {}

    /** {@code warmup} writes, then {@code n} measured ones, one stream at {@code rate} per second. */
    static Result run(String index, String topic, List<String> lines, int warmup, int n, Writes writes, Producer<byte[], byte[]> producer,
                      AdminServiceGrpc.AdminServiceBlockingStub admin, int replicas, double rate) throws Exception {
        int total = warmup + n;
        Map<Integer, Queue<Ack>> acks = new ConcurrentHashMap<>();
        Histogram all = new Histogram(3);
        Histogram first = new Histogram(3);
        Histogram second = new Histogram(3);
        Histogram warm = new Histogram(3);
        AtomicReference<Throwable> observerFailure = new AtomicReference<>();
        long[] recorded = {0};
        long[] observerCpu = {0};
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Thread observer = new Thread(() -> {
            try {
                long deadline = Long.MAX_VALUE;
                while (recorded[0] < total) {
                    List<ReplicaStatus> reps = admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .clusterStatus(ClusterStatusRequest.newBuilder().setIndex(index).setSkipFingerprint(true).build()).getReplicasList();
                    long now = System.nanoTime();
                    if (reps.size() == replicas) {
                        Map<Integer, Long> min = new HashMap<>();
                        for (ReplicaStatus r : reps) {
                            r.getCheckpoint().getNextOffsetsMap().forEach((p, off) -> min.merge(p, off, Math::min));
                        }
                        for (Map.Entry<Integer, Queue<Ack>> e : acks.entrySet()) {
                            long covered = min.getOrDefault(e.getKey(), 0L);
                            Queue<Ack> q = e.getValue();
                            for (Ack a = q.peek(); a != null && a.offset() < covered; a = q.peek()) {
                                q.poll();
                                long ms = Math.max(1, (now - a.nanos()) / 1_000_000);
                                switch (a.part()) {
                                    case WARMUP -> warm.recordValue(ms);
                                    case FIRST_HALF -> first.recordValue(ms);
                                    case SECOND_HALF -> second.recordValue(ms);
                                }
                                if (a.part() != Part.WARMUP) {
                                    all.recordValue(ms);
                                }
                                recorded[0]++;
                            }
                        }
                    }
                    if (deadline == Long.MAX_VALUE && recorded[0] > 0) {
                        deadline = now + TimeUnit.SECONDS.toNanos(300);
                    } else if (now > deadline) {
                        throw new IllegalStateException("documents still not searchable on all replicas after 300 s");
                    }
                    TimeUnit.MILLISECONDS.sleep(POLL_MS);
                }
            } catch (Throwable t) {
                observerFailure.set(t);
            } finally {
                observerCpu[0] = threads.getCurrentThreadCpuTime();
            }
        }, "bench-freshness-observer");
        String sender = Thread.currentThread().getName();
        java.util.function.Predicate<String> benchThreads = name -> name.equals(sender) || name.equals("kafka-producer-network-thread | bench");
        long benchCpu0 = ThreadCpu.now().nanos(benchThreads);
        observer.start();
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        long measuredStart = start + warmup * intervalNanos;
        for (int i = 0; i < total; i++) {
            long due = start + i * intervalNanos;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            byte[][] record = record(lines.get(i % lines.size()), writes, i);
            Part part = partOf(i, warmup, n);
            producer.send(new ProducerRecord<>(topic, record[0], record[1]), (md, ex) -> {
                if (ex == null) {
                    acks.computeIfAbsent(md.partition(), p -> new ConcurrentLinkedQueue<>()).add(new Ack(md.offset(), System.nanoTime(), part));
                }
            });
        }
        producer.flush();
        double seconds = (System.nanoTime() - measuredStart) / 1e9;
        observer.join();
        if (observerFailure.get() != null) {
            throw new IllegalStateException("freshness observer failed", observerFailure.get());
        }
        double benchCpuCores = (ThreadCpu.now().nanos(benchThreads) + observerCpu[0] - benchCpu0) / 1e9 / ((System.nanoTime() - start) / 1e9);
        return new Result(n / seconds, seconds, all, first, second, warm, benchCpuCores);
    }

    /**
     * Key and value of the {@code i}-th write: a new document (the line's document under the id
     * {@code <id>~f<i>}), or the line's document with a changed downloads count (past the last line the
     * lines start again, and each is written again: a newer version).
     */
    static byte[][] record(String line, Writes writes, int i) throws java.io.IOException {
        ObjectNode doc = (ObjectNode) Json.parse(line);
        String id;
        if (writes == Writes.NEW_DOCUMENTS) {
            id = doc.get("id").asText() + "~f" + i;
            doc.put("id", id);
        } else {
            id = doc.get("id").asText();
            doc.put("downloads", doc.path("downloads").asLong() + 1 + i);
        }
        return new byte[][] {id.getBytes(StandardCharsets.UTF_8), Json.write(doc).getBytes(StandardCharsets.UTF_8)};
    }
}
