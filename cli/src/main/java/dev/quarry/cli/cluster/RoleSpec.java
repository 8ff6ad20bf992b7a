package dev.quarry.cli.cluster;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One process of a cluster: its name (unique in the cluster, e.g. {@code shard-2}), its kind, the
 * environment that configures it (the {@code QUARRY_*} variables its command reads; the same names
 * in {@code quarry cluster up} and in {@code docker-compose.yml}), and where it answers when ready.
 *
 * @param readyPort  the port that answers once the role serves: an HTTP port with {@code /healthz}
 *                   when {@code httpHealth}, else a TCP port that accepts connections
 * @param heap       maximum heap of its JVM (e.g. {@code 512m})
 */
public record RoleSpec(String name, RoleKind kind, Map<String, String> env, int readyPort, boolean httpHealth, String heap) {
    public RoleSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
        Objects.requireNonNull(heap, "heap");
    }

    /** This role with {@code extra} added to (and overriding) its environment. */
    public RoleSpec withEnv(Map<String, String> extra) {
        Map<String, String> merged = new TreeMap<>(env);
        merged.putAll(extra);
        return new RoleSpec(name, kind, merged, readyPort, httpHealth, heap);
    }

    /** The value of one of its environment variables, or fails if it has none of that name. */
    public String env(String variable) {
        String v = env.get(variable);
        if (v == null) {
            throw new IllegalArgumentException(name + " has no " + variable);
        }
        return v;
    }
}
