package dev.quarry.coordinator.search;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import dev.quarry.coordinator.routing.IndexRoute;
import dev.quarry.coordinator.routing.ShardRoute;
import dev.quarry.coordinator.select.ShardKey;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchResponse;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Search results by normalized request plus the shards' visible checkpoints (as far as this
 * coordinator has seen them): a refresh that makes new writes visible on a shard changes the key.
 * Concurrent identical misses share one execution: the first runs it on its own thread, the others wait for its future. Entries live at most
 * {@code ttl}, which bounds how stale a hit can be when no other query has observed a refresh.
 * Partial results (shard failures) are not kept. A request whose shared execution failed runs
 * once more on its own. Thread-safety: Caffeine's cache and a concurrent map.
 */
public final class ResultCache {
    private record Key(ByteString request, List<Long> generations) {}

    private final AsyncCache<Key, SearchResponse> cache;
    private final Counter hits;
    private final Counter misses;
    private final boolean enabled;
    /** Per index/shard, the highest visible checkpoint (sum of next offsets) any answer reported. */
    private final Map<ShardKey, Long> generations = new ConcurrentHashMap<>();

    public ResultCache(long maxEntries, Duration ttl, MeterRegistry metrics) {
        this.enabled = maxEntries > 0 && !ttl.isZero();
        this.hits = metrics.counter("quarry_search_cache_requests_total", "result", "hit");
        this.misses = metrics.counter("quarry_search_cache_requests_total", "result", "miss");
        this.cache = Caffeine.newBuilder()
                .maximumSize(Math.max(1, maxEntries))
                .expireAfterWrite(ttl.isZero() ? Duration.ofMillis(1) : ttl)
                // maintenance (eviction, expiry) runs on the request's own thread instead of being handed to
                // the common pool after each write (nearly every search writes an entry): a thread wake-up less per search
                .executor(Runnable::run)
                .buildAsync();
        metrics.gauge("quarry_search_cache_entries", cache, c -> c.synchronous().estimatedSize());
    }

    /** Notes the checkpoints an answer reflected (keeps the keys moving with refreshes). */
    public void observe(String index, int shard, Map<Integer, Long> nextOffsets) {
        long sum = 0;
        for (long o : nextOffsets.values()) {
            sum += o;
        }
        generations.merge(new ShardKey(index, shard), sum, Math::max);
    }

    SearchResponse get(SearchRequest req, IndexRoute index, Deadline deadline, Supplier<SearchResponse> execute) {
        if (!enabled) {
            return execute.get();
        }
        List<Long> seen = new ArrayList<>(index.shards().size());
        for (ShardRoute s : index.shards()) {
            seen.add(generations.getOrDefault(new ShardKey(index.name(), s.shard()), -1L));
        }
        Key key = new Key(normalized(req), seen);
        CompletableFuture<SearchResponse> mine = new CompletableFuture<>();
        CompletableFuture<SearchResponse> f = cache.asMap().putIfAbsent(key, mine);
        if (f == null) {
            // this request leads: it executes on its own thread, identical requests wait for it
            misses.increment();
            try {
                SearchResponse r = execute.get();
                mine.complete(r);
                if (r.getShardFailuresCount() > 0) {
                    cache.asMap().remove(key, mine);
                }
                return r;
            } catch (RuntimeException | Error e) {
                cache.asMap().remove(key, mine);
                mine.complete(null); // waiters run alone; not completed exceptionally, which Caffeine would log with a stack trace
                throw e;
            }
        }
        hits.increment();
        SearchResponse r;
        try {
            r = f.get(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("search did not complete before the deadline").asRuntimeException();
        } catch (ExecutionException e) {
            r = null;
        }
        // null: the shared execution failed (maybe under another caller's shorter deadline): run this one alone
        return r != null ? r : execute.get();
    }

    /** The request minus what does not change the answer's content. */
    private static ByteString normalized(SearchRequest req) {
        return req.toBuilder().setQuery(req.getQuery().strip()).build().toByteString();
    }

    /** Share of cacheable requests answered by an entry or a shared execution. */
    public double hitRatio() {
        double h = hits.count();
        double total = h + misses.count();
        return total == 0 ? 0 : h / total;
    }
}
