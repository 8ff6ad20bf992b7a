package dev.quarry.ingest.apply;

import static org.assertj.core.api.Assertions.assertThat;

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
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
        AtomicLong produced = new AtomicLong();
        // a producer that appends one record before every poll, the log's end right behind it: always caught up
        Runnable trickle = new Runnable() {
            @Override
            public void run() {
                long offset = produced.getAndIncrement();
                consumer.addRecord(new ConsumerRecord<>("t", 0, offset, ("k" + offset).getBytes(), new byte[0]));
                consumer.updateEndOffsets(Map.of(TP, offset + 1));
                consumer.schedulePollTask(this);
            }
        };
        consumer.schedulePollTask(trickle);
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
            loop.start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (appliedAt.size() < 6 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
        }
        assertThat(appliedAt).hasSizeGreaterThanOrEqualTo(6);
        for (int i = 1; i < appliedAt.size(); i++) {
            assertThat(appliedAt.get(i) - appliedAt.get(i - 1)).as("gap before batch %d", i)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(OrderedApplyLoop.GATHER_MS));
        }
        assertThat(next.get()).as("every record applied once, in order").isEqualTo(appliedAt.size());
    }
}
