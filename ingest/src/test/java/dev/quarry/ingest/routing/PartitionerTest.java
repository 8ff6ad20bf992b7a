package dev.quarry.ingest.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    @Test
    void matchesKafkasDefaultPartitionerForTenThousandIds() {
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            String id = randomId(random);
            int partitions = 1 + random.nextInt(64);
            int kafka = BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), partitions);
            assertThat(Partitioner.partitionFor(id, partitions)).as(id).isEqualTo(kafka);
        }
    }

    @Property
    void alwaysWithinRange(@ForAll String id, @ForAll @IntRange(min = 1, max = 1024) int partitions) {
        assertThat(Partitioner.partitionFor(id, partitions)).isBetween(0, partitions - 1);
    }

    @Test
    void shardLayoutCoversEveryPartitionOnce() {
        for (int p = 1; p <= 40; p++) {
            for (int s = 1; s <= p; s++) {
                int next = 0;
                for (int shard = 0; shard < s; shard++) {
                    for (int part : ShardLayout.partitionsOf(shard, s, p)) {
                        assertThat(part).isEqualTo(next++);
                    }
                }
                assertThat(next).isEqualTo(p);
            }
        }
    }

    private static String randomId(Random r) {
        StringBuilder sb = new StringBuilder();
        int len = 1 + r.nextInt(24);
        for (int i = 0; i < len; i++) {
            sb.append((char) (r.nextInt(10) == 0 ? 0x80 + r.nextInt(0x700) : 'a' + r.nextInt(26)));
        }
        return sb.toString();
    }
}
