package dev.quarry.coordinator;

import dev.quarry.coordinator.fanout.HedgePolicy;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * Read-path tunables of a coordinator.
 *
 * @param cursorSecret      HMAC key of cursors; coordinators of one cluster must share it (default: random per process,
 *                          so a cursor works only on the coordinator that issued it)
 * @param cursorKeepAlive   how long shards keep a cursor's pinned searchers after each page
 * @param cacheEntries      result cache size (0 = off)
 * @param cacheTtl          longest life of a cached result
 * @param hedging           when to hedge a slow shard call
 * @param coordinators      how many coordinators share the shards (C3's queue-size weight)
 * @param adaptiveSelection C3 replica ranking with warm-up and circuit breakers; false = a random replica order
 *                          (the chaos scenario's "no mitigation" run)
 * @param colocated         when a node holds a replica of every shard of the index, ask it for the whole search in one
 *                          call (both phases, all shards) instead of one call per shard and phase
 */
public record SearchOptions(byte[] cursorSecret, Duration cursorKeepAlive, long cacheEntries, Duration cacheTtl, HedgePolicy hedging,
                            int coordinators, boolean adaptiveSelection, boolean colocated) {
    public static final SearchOptions DEFAULTS = new SearchOptions(randomSecret(), Duration.ofMinutes(1), 10_000, Duration.ofSeconds(1),
            HedgePolicy.DEFAULTS, 1, true, true);

    public SearchOptions {
        cursorSecret = cursorSecret.clone();
        if (cursorSecret.length < 16) {
            throw new IllegalArgumentException("cursor secret must be at least 16 bytes");
        }
    }

    public SearchOptions withCache(long entries, Duration ttl) {
        return new SearchOptions(cursorSecret, cursorKeepAlive, entries, ttl, hedging, coordinators, adaptiveSelection, colocated);
    }

    public SearchOptions withHedging(HedgePolicy policy) {
        return new SearchOptions(cursorSecret, cursorKeepAlive, cacheEntries, cacheTtl, policy, coordinators, adaptiveSelection, colocated);
    }

    public SearchOptions withCursorSecret(byte[] secret) {
        return new SearchOptions(secret, cursorKeepAlive, cacheEntries, cacheTtl, hedging, coordinators, adaptiveSelection, colocated);
    }

    public SearchOptions withAdaptiveSelection(boolean adaptive) {
        return new SearchOptions(cursorSecret, cursorKeepAlive, cacheEntries, cacheTtl, hedging, coordinators, adaptive, colocated);
    }

    public SearchOptions withColocated(boolean on) {
        return new SearchOptions(cursorSecret, cursorKeepAlive, cacheEntries, cacheTtl, hedging, coordinators, adaptiveSelection, on);
    }

    private static byte[] randomSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
