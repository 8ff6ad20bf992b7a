package dev.quarry.coordinator.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-client token buckets, created on a client's first request. Each client gets its configured
 * {@link RateLimit} or the default one; an unlimited client gets no bucket and costs nothing.
 *
 * <p>Memory is bounded whatever the clients send: buckets live in a Caffeine cache of at most
 * {@code maxClients} entries, and a bucket expires after it has been idle long enough to be full
 * again ({@link TokenBucket#refillNanos()}), when a fresh bucket behaves exactly like it. Only
 * size eviction, past {@code maxClients} active clients, can forget a partly drained bucket (that
 * client then gets a fresh burst); that is the price of the bound.
 * Thread-safety: the cache is thread-safe and the buckets are lock-free.
 */
public final class ClientRateLimiter {
    private final RateLimit defaultLimit;
    private final Map<String, RateLimit> perClient;
    private final LongSupplier nanoTime;
    private final Cache<String, TokenBucket> buckets;

    public ClientRateLimiter(RateLimit defaultLimit, Map<String, RateLimit> perClient, int maxClients, LongSupplier nanoTime) {
        this.defaultLimit = defaultLimit;
        this.perClient = Map.copyOf(perClient);
        this.nanoTime = nanoTime;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .ticker(nanoTime::getAsLong)
                .expireAfter(new Expiry<String, TokenBucket>() {
                    @Override
                    public long expireAfterCreate(String client, TokenBucket b, long now) {
                        return b.refillNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String client, TokenBucket b, long now, long currentDuration) {
                        return b.refillNanos();
                    }

                    @Override
                    public long expireAfterRead(String client, TokenBucket b, long now, long currentDuration) {
                        return b.refillNanos();
                    }
                })
                .build();
    }

    public RateLimit limitOf(String client) {
        return perClient.getOrDefault(client, defaultLimit);
    }

    /** Takes one of {@code client}'s tokens: 0 if it got one, else the nanoseconds until it would. */
    public long tryTake(String client) {
        RateLimit limit = limitOf(client);
        if (limit.unlimited()) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        return buckets.get(client, c -> new TokenBucket(limit, now)).tryTake(now);
    }

    /** Buckets held now (for tests and the metrics; approximate while expiry is pending). */
    public long trackedClients() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
