package dev.quarry.ingest.apply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a fixed set of partitions of one topic with a manually assigned consumer (no consumer
 * group: every replica reads for itself) and hands the records, in offset order, to a
 * {@link RecordApplier}. Batches are bounded by the consumer's {@code max.poll.records}, so a
 * backlog of millions of records costs bounded memory. When {@code apply} throws (a disk error,
 * say), the loop logs it once, backs off, rewinds to the applier's {@link RecordApplier#nextOffsets()}
 * and tries again; it never skips records on its own.
 *
 * <p>Thread-safety: {@link #start()} runs the loop on one platform thread that owns the consumer;
 * {@link #close()} may be called from any thread (it wakes the consumer up and waits).
 */
public final class OrderedApplyLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OrderedApplyLoop.class);
    /** Bounds how late a time-based refresh, commit or requested refresh can be when no records arrive. */
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(50);
    private static final long MAX_BACKOFF_MS = 5_000;
    /**
     * How long the loop waits after applying a batch when it is caught up and records keep arriving,
     * so that the next fetch takes what arrived meanwhile in one go. Without it a trickle of small
     * produce requests (an update storm: 250 records a second, a produce every few ms) woke every
     * reader of those partitions for each of them: one fetch, one poll, one apply per one or two
     * records, in the broker and in every replica and suggest server. It delays nothing visible (a
     * refresh comes every second), and a synchronous write does not wait for it: whoever waits for a
     * record to be applied calls {@link #hurry()}, which ends the pause at once. An idle reader
     * still long-polls.
     * Measured in the hot-shard chaos scenario (60 s, 2 cores, 29 Nov, one run each): during the
     * storm the broker used 30% of a core instead of 37%, the hot shard's two shard servers 22-23%
     * instead of 28-29%, the suggest server 8% instead of 13%.
     */
    static final long GATHER_MS = 20;
    /**
     * Default nice increment of an apply thread: 0, the thread keeps the process's priority. A
     * positive increment makes applying background work: at nice 4 a thread gets about 40% of the
     * share of a nice-0 thread while the cores are contended (and all of a free core), so refreshes
     * and searches go first. On the ingest bench (28 Nov, six runs at nice 4 against four at 0)
     * it shortened the mean refresh from 155-206 ms to 111-176 ms, but the freshness p99 at equal
     * rates did not move (1.41 s at 5,981 docs/s against 1.38 s at 5,807) and bulk throughput was
     * lower on average; so it is an option, not the default.
     */
    public static final int DEFAULT_NICE_INCREMENT = 0;

    private final String name;
    private final String topic;
    private final List<Integer> partitions;
    private final Supplier<Consumer<byte[], byte[]>> consumerFactory;
    private final RecordApplier applier;
    private final int niceIncrement;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile Map<Integer, Long> endOffsets = Map.of();
    private Thread thread;
    /** A permit ends the current or next gathering pause: someone waits for a record (racing callers may leave two). */
    private final Semaphore hurry = new Semaphore(0);

    public OrderedApplyLoop(String name, String topic, List<Integer> partitions,
                            Supplier<Consumer<byte[], byte[]>> consumerFactory, RecordApplier applier) {
        this(name, topic, partitions, consumerFactory, applier, DEFAULT_NICE_INCREMENT);
    }

    /**
     * @param niceIncrement added to the apply thread's nice value when it starts (0..19; 0 leaves it
     *                      alone); see {@link #DEFAULT_NICE_INCREMENT} and {@link ThreadNiceness}
     */
    public OrderedApplyLoop(String name, String topic, List<Integer> partitions,
                            Supplier<Consumer<byte[], byte[]>> consumerFactory, RecordApplier applier, int niceIncrement) {
        this.niceIncrement = ThreadNiceness.checkIncrement(niceIncrement);
        this.name = name;
        this.topic = topic;
        this.partitions = List.copyOf(partitions);
        this.consumerFactory = consumerFactory;
        this.applier = applier;
    }

    /** Consumer settings for an apply loop: byte arrays, no group, bounded batches, committed reads. */
    public static Properties consumerProperties(String bootstrap, String clientId, int maxPollRecords) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", clientId);
        p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        p.put("max.poll.records", Integer.toString(maxPollRecords));
        // a fetch returns as soon as a record arrives (fetch.min.bytes 1); this only bounds how long an
        // idle partition's fetch waits at the broker: 20 empty fetches a second per replica cost the
        // broker and every shard server CPU for nothing
        p.put("fetch.max.wait.ms", "500");
        return p;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, "apply-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Per partition, the log end offset the consumer last saw (for lag); empty before the first poll. */
    public Map<Integer, Long> endOffsets() {
        return endOffsets;
    }

    private void run() {
        if (niceIncrement > 0) {
            ThreadNiceness.Result result = ThreadNiceness.lowerCurrentThread(niceIncrement);
            if (result.lowered()) {
                log.debug("[{}] apply thread: {}", name, result.detail());
            } else {
                log.warn("[{}] apply thread priority {}", name, result.detail());
            }
        }
        long backoff = 100;
        try (Consumer<byte[], byte[]> c = consumerFactory.get()) {
            consumer = c;
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p)).toList();
            c.assign(tps);
            seekToApplied(c, tps);
            while (running) {
                try {
                    ConsumerRecords<byte[], byte[]> polled = c.poll(POLL_TIMEOUT);
                    if (!polled.isEmpty()) {
                        List<LogRecord> batch = new ArrayList<>(polled.count());
                        for (ConsumerRecord<byte[], byte[]> r : polled) {
                            batch.add(LogRecord.of(r));
                        }
                        applier.apply(batch);
                    }
                    applier.tick();
                    boolean caughtUp = updateEndOffsets(c, tps);
                    backoff = 100;
                    long gather = gatherMillis(polled.count(), caughtUp);
                    if (gather > 0 && running) {
                        gather(gather);
                    }
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (Exception e) {
                    if (!running) {
                        break;
                    }
                    log.error("[{}] apply failed; retrying from the last applied offsets in {} ms", name, backoff, e);
                    sleepQuietly(backoff);
                    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
                    seekToApplied(c, tps);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("[{}] apply loop stopped", name, e);
        } finally {
            consumer = null;
            stopped.countDown();
        }
    }

    private void seekToApplied(Consumer<byte[], byte[]> c, List<TopicPartition> tps) {
        Map<Integer, Long> next = applier.nextOffsets();
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : tps) {
            Long off = next.get(tp.partition());
            if (off == null) {
                fromStart.add(tp);
            } else {
                c.seek(tp, off);
            }
        }
        if (!fromStart.isEmpty()) {
            c.seekToBeginning(fromStart);
        }
    }

    /**
     * Ends the current gathering pause, or skips the next one: call it before waiting for a record to
     * be applied (a synchronous write), so that it is fetched at once. Thread-safe.
     */
    public void hurry() {
        if (hurry.availablePermits() == 0) {
            hurry.release();
        }
    }

    private void gather(long ms) {
        try {
            hurry.tryAcquire(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The wait before the next poll: {@link #GATHER_MS} after a batch that left the reader caught up, else none. */
    static long gatherMillis(int polled, boolean caughtUp) {
        return polled > 0 && caughtUp ? GATHER_MS : 0;
    }

    /**
     * Records the log end each partition's last fetch reported; returns whether the reader is caught
     * up (every partition's lag known and 0: the last fetch returned all there was).
     */
    private boolean updateEndOffsets(Consumer<byte[], byte[]> c, List<TopicPartition> tps) {
        Map<Integer, Long> ends = new HashMap<>();
        boolean caughtUp = true;
        for (TopicPartition tp : tps) {
            OptionalLong lag = c.currentLag(tp);
            if (lag.isPresent()) {
                ends.put(tp.partition(), c.position(tp) + lag.getAsLong());
            }
            caughtUp &= lag.orElse(1) == 0;
        }
        if (!ends.isEmpty()) {
            Map<Integer, Long> merged = new HashMap<>(endOffsets);
            merged.putAll(ends);
            endOffsets = Map.copyOf(merged);
        }
        return caughtUp;
    }

    private static void sleepQuietly(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loop and waits for its thread to finish (bounded). */
    @Override
    public void close() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            if (thread != null && !stopped.await(10, TimeUnit.SECONDS)) {
                log.warn("[{}] apply loop did not stop within 10 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
