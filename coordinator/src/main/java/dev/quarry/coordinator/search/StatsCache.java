package dev.quarry.coordinator.search;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import dev.quarry.proto.v1.ScoringStats;
import java.time.Duration;

/**
 * One shard replica's scoring statistics for one query, per searcher version: a searcher never
 * changes, so an entry is exact for as long as it exists. A hit saves GLOBAL scoring its first
 * round trip. Thread-safety: a Caffeine cache.
 */
final class StatsCache {
    record Key(String node, String index, int shard, long searcherVersion, ByteString query) {}

    private final Cache<Key, ScoringStats> cache = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(2))
            .build();

    ScoringStats get(Key key) {
        return key.searcherVersion() == 0 ? null : cache.getIfPresent(key);
    }

    void put(Key key, ScoringStats stats) {
        if (key.searcherVersion() != 0) {
            cache.put(key, stats);
        }
    }
}
