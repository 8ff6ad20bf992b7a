package dev.quarry.ingest.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** {@link OrderedApplyLoop}'s gathering: it waits for more records only while they trickle in and it is caught up. */
class OrderedApplyLoopGatherTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void waitsAfterABatchThatLeftItCaughtUp() {
        assertThat(OrderedApplyLoop.gatherMillis(2, true)).isEqualTo(OrderedApplyLoop.GATHER_MS).isPositive();
    }

    @Test
    void readsABacklogWithoutWaiting() {
        assertThat(OrderedApplyLoop.gatherMillis(2_000, false)).isZero();
    }

    @Test
    void anIdleReaderGoesStraightBackToItsLongPoll() {
        assertThat(OrderedApplyLoop.gatherMillis(0, true)).isZero();
    }

    @Test
    void aTrickleOfRecordsIsAppliedInBatchesAtLeastTheGatherTimeApart() throws Exception {
        List<Long> appliedAt = trickle(6, false);
        for (int i = 1; i < appliedAt.size(); i++) {
            assertThat(appliedAt.get(i) - appliedAt.get(i - 1)).as("gap before batch %d", i)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(OrderedApplyLoop.GATHER_MS));
        }
    }

    @Test
    void aSynchronousWriterWaitingForItsRecordDoesNotWaitForTheGathering() throws Exception {
        int batches = 20;
        List<Long> appliedAt = trickle(batches, true);
        // gathering would take at least 19 pauses of 20 ms; hurried, the 20 batches take a few ms of polling
        assertThat(appliedAt.get(batches - 1) - appliedAt.get(0)).isLessThan(TimeUnit.MILLISECONDS.toNanos((batches - 1) * OrderedApplyLoop.GATHER_MS));
    }

    /**
     * A producer that appends one record before every poll, the log's end right behind it (always caught up), and with
     * {@code hurried} a writer waiting for each record; returns when each of {@code batches} batches was applied.
     */
    private static List<Long> trickle(int batches, boolean hurried) throws Exception {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
        AtomicLong produced = new AtomicLong();
        List<Long> appliedAt = new CopyOnWriteArrayList<>();
        AtomicLong next = new AtomicLong();
        RecordApplier applier = new RecordApplier() {
            @Override
            public void apply(List<LogRecord> batch) {
                appliedAt.add(System.nanoTime());
                next.set(batch.get(batch.size() - 1).offset() + 1);
            }

            @Override
            public Map<Integer, Long> nextOffsets() {
                return Map.of();
            }
        };
        try (OrderedApplyLoop loop = new OrderedApplyLoop("test", "t", List.of(0), () -> consumer, applier)) {
            Runnable trickle = new Runnable() {
                @Override
                public void run() {
                    long offset = produced.getAndIncrement();
                    consumer.addRecord(new ConsumerRecord<>("t", 0, offset, ("k" + offset).getBytes(), new byte[0]));
                    consumer.updateEndOffsets(Map.of(TP, offset + 1));
                    if (hurried) {
                        loop.hurry();
                    }
                    consumer.schedulePollTask(this);
                }
            };
            consumer.schedulePollTask(trickle);
            loop.start();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> appliedAt.size() >= batches);
        }
        assertThat(next.get()).as("every record applied once, in order").isEqualTo(appliedAt.size());
        return appliedAt.subList(0, batches);
    }
}
