package dev.quarry.shard.replica;

import dev.quarry.shard.error.ShardException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replicas open on this node, by {@code index/shard}. Thread-safety: a concurrent map; opening
 * and closing happen on the node's reconcile thread, lookups on request threads.
 */
public final class ReplicaRegistry {
    private final Map<String, ShardReplica> replicas = new ConcurrentHashMap<>();

    public ShardReplica require(String index, int shard) {
        ShardReplica r = replicas.get(index + "/" + shard);
        if (r == null) {
            throw new ShardException(ShardException.Kind.UNAVAILABLE, "shard " + index + "/" + shard + " is not open on this node");
        }
        return r;
    }

    public ShardReplica get(String key) {
        return replicas.get(key);
    }

    public void put(ShardReplica r) {
        replicas.put(r.spec().key(), r);
    }

    public ShardReplica remove(String key) {
        return replicas.remove(key);
    }

    public Collection<ShardReplica> all() {
        return replicas.values();
    }
}
