package dev.quarry.coordinator.select;

import dev.quarry.coordinator.routing.ReplicaRoute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * C3-style adaptive replica selection (Suresh et al., NSDI '15): replicas whose breaker is closed
 * and that are warm are ranked by {@link ReplicaStats#score}; cold replicas (fewer answers than
 * the warm-up) come after them, so a new or restarted replica gets no client traffic until
 * shadow requests have measured it; replicas with an open breaker come last and are tried only
 * when nothing else is left. Equal scores are broken at random so that identical replicas share
 * the load. Non-adaptive ({@link #random}): a random order every time, no warm-up, no breakers, no
 * shadows — the baseline the chaos scenario compares against.
 * Thread-safety: a concurrent map of thread-safe {@link ReplicaStats}.
 */
public final class ReplicaSelector {
    private final Map<ReplicaKey, ReplicaStats> stats = new ConcurrentHashMap<>();
    private final BreakerPolicy policy;
    private final int coordinators;
    private final boolean adaptive;

    /** @param coordinators how many coordinators share the shards (C3's {@code n}); 1 is a safe default */
    public ReplicaSelector(BreakerPolicy policy, int coordinators) {
        this(policy, coordinators, true);
    }

    private ReplicaSelector(BreakerPolicy policy, int coordinators, boolean adaptive) {
        this.policy = policy;
        this.coordinators = Math.max(1, coordinators);
        this.adaptive = adaptive;
    }

    /** A selector that ignores what it measures: replicas in random order (statistics are still kept for metrics). */
    public static ReplicaSelector random(BreakerPolicy policy) {
        return new ReplicaSelector(policy, 1, false);
    }

    public ReplicaStats stats(String index, int shard, String node) {
        return stats.computeIfAbsent(new ReplicaKey(node, index, shard), k -> new ReplicaStats(policy));
    }

    /** One replica of one shard: looked up several times per shard call, so no string is built for it. */
    private record ReplicaKey(String node, String index, int shard) {}

    /** The replicas of one shard, best first. */
    public List<ReplicaRoute> rank(String index, int shard, List<ReplicaRoute> replicas, long nowNanos) {
        List<Ranked> ranked = new ArrayList<>(replicas.size());
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (!adaptive) {
            List<ReplicaRoute> shuffled = new ArrayList<>(replicas);
            java.util.Collections.shuffle(shuffled, rnd);
            return shuffled;
        }
        boolean anyWarm = false;
        for (ReplicaRoute r : replicas) {
            ReplicaStats s = stats(index, shard, r.nodeId());
            anyWarm |= s.available(nowNanos) && s.warm();
        }
        for (ReplicaRoute r : replicas) {
            ReplicaStats s = stats(index, shard, r.nodeId());
            int tier = !s.available(nowNanos) ? 2 : (anyWarm && !s.warm()) ? 1 : 0;
            ranked.add(new Ranked(r, tier, s.score(coordinators), rnd.nextDouble()));
        }
        ranked.sort(BEST_FIRST);
        List<ReplicaRoute> order = new ArrayList<>(ranked.size());
        for (Ranked r : ranked) {
            order.add(r.replica());
        }
        return order;
    }

    private record Ranked(ReplicaRoute replica, int tier, double score, double tieBreak) {}

    private static final Comparator<Ranked> BEST_FIRST =
            Comparator.comparingInt(Ranked::tier).thenComparingDouble(Ranked::score).thenComparingDouble(Ranked::tieBreak);

    /** A replica other than {@code primary} that is due for a shadow request (warm-up, stale stats or a breaker probe). */
    public Optional<ReplicaRoute> shadow(String index, int shard, List<ReplicaRoute> replicas, ReplicaRoute primary, long nowNanos) {
        if (!adaptive) {
            return Optional.empty();
        }
        for (ReplicaRoute r : replicas) {
            if (!r.equals(primary) && stats(index, shard, r.nodeId()).claimShadow(nowNanos)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
