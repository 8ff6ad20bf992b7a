package dev.quarry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** Assertions on a search while one shard is late on every replica (a 5 s fault, 2 s deadlines). */
final class LateShard {
    private LateShard() {}

    /** With allow_partial the late shard is named in shard_failures and the rest answers in time; without, the status names it. */
    static void assertNamed(SearchServiceGrpc.SearchServiceBlockingStub search, String index, int shard) {
        long t0 = System.nanoTime();
        SearchResponse partial = search.withDeadlineAfter(2_000, TimeUnit.MILLISECONDS).search(SearchRequest.newBuilder().setIndex(index)
                .setQuery("late shard partial answer").setAllowPartial(true).build());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isLessThan(2_000);
        assertThat(partial.getShardFailuresList()).as(partial.getShardFailuresList().toString()).singleElement()
                .satisfies(f -> assertThat(f.getShard()).isEqualTo(shard));
        assertThat(partial.getHitsList()).isNotEmpty();
        assertThatThrownBy(() -> search.withDeadlineAfter(2_000, TimeUnit.MILLISECONDS).search(SearchRequest.newBuilder().setIndex(index)
                .setQuery("late shard whole answer").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("shard " + shard);
                });
    }
}
