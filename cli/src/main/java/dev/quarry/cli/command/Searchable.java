package dev.quarry.cli.command;

import dev.quarry.ingest.load.LoadSummary;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Waits until an index's searchable checkpoint covers everything a load sent. */
final class Searchable {
    private static final long POLL_MS = 100;

    private Searchable() {}

    /** True once searchable; false (with a message) on timeout. */
    static boolean await(String coordinator, String index, LoadSummary load, long timeoutS, PrintStream out) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutS);
        ManagedChannel ch = Grpc.channel(coordinator);
        try {
            SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(ch);
            while (System.nanoTime() < deadline) {
                try {
                    SearchResponse r = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .search(SearchRequest.newBuilder().setIndex(index).setQuery("*").setK(1).build());
                    if (covers(r.getCheckpoint().getNextOffsetsMap(), load.nextOffsets())) {
                        out.printf("all documents searchable %.1f s after the last was acknowledged (%,d docs in the index)%n",
                                (System.nanoTime() - t0) / 1e9, r.getTotalHits());
                        return true;
                    }
                } catch (StatusRuntimeException e) {
                    // a shard still starting; keep waiting
                }
                TimeUnit.MILLISECONDS.sleep(POLL_MS);
            }
            out.printf("not all documents searchable after %d s%n", timeoutS);
            return false;
        } finally {
            ch.shutdownNow();
        }
    }

    static boolean covers(Map<Integer, Long> checkpoint, Map<Integer, Long> needed) {
        return needed.entrySet().stream().allMatch(e -> checkpoint.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }
}
