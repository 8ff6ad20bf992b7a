package dev.quarry.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.ingest.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FreshnessRunTest {
    private static final String LINE = "{\"id\": \"left-pad\", \"name\": \"left-pad\", \"downloads\": 41}";

    @Test
    void aNewDocumentHasANewIdInItsKeyAndItsBody() throws Exception {
        byte[][] a = FreshnessRun.record(LINE, FreshnessRun.Writes.NEW_DOCUMENTS, 7);
        byte[][] b = FreshnessRun.record(LINE, FreshnessRun.Writes.NEW_DOCUMENTS, 8);
        assertThat(new String(a[0], StandardCharsets.UTF_8)).isEqualTo("left-pad~f7").isNotEqualTo(new String(b[0], StandardCharsets.UTF_8));
        assertThat(Json.parse(a[1]).get("id").asText()).isEqualTo("left-pad~f7");
        assertThat(Json.parse(a[1]).get("downloads").asLong()).isEqualTo(41);
    }

    @Test
    void anUpdateKeepsTheIdAndChangesTheDocument() throws Exception {
        byte[][] u = FreshnessRun.record(LINE, FreshnessRun.Writes.UPDATES, 7);
        assertThat(new String(u[0], StandardCharsets.UTF_8)).isEqualTo("left-pad");
        assertThat(Json.parse(u[1]).get("id").asText()).isEqualTo("left-pad");
        assertThat(Json.parse(u[1]).get("downloads").asLong()).isNotEqualTo(41);
    }

    @Test
    void theWarmUpComesFirstAndTheMeasuredWritesSplitInHalves() {
        assertThat(java.util.stream.IntStream.range(0, 7).mapToObj(i -> FreshnessRun.partOf(i, 3, 4)))
                .containsExactly(FreshnessRun.Part.WARMUP, FreshnessRun.Part.WARMUP, FreshnessRun.Part.WARMUP,
                        FreshnessRun.Part.FIRST_HALF, FreshnessRun.Part.FIRST_HALF, FreshnessRun.Part.SECOND_HALF, FreshnessRun.Part.SECOND_HALF);
        assertThat(FreshnessRun.partOf(0, 0, 2)).isEqualTo(FreshnessRun.Part.FIRST_HALF);
    }

    @Test
    void threadsAreGroupedByTheirNamesWithoutNumbersAndQualifiers() {
        assertThat(ThreadCpu.group("apply-shard-1:bench/0")).isEqualTo("apply");
        assertThat(ThreadCpu.group("Lucene Merge Thread #3")).isEqualTo("Lucene Merge Thread");
        assertThat(ThreadCpu.group("grpc-default-executor-12")).isEqualTo("grpc");
        assertThat(ThreadCpu.group("main")).isEqualTo("main");
    }
}
