package dev.quarry.meta.alloc;

import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.IndexInfo;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.ScaleShardCommand;
import dev.quarry.proto.v1.ShardInfo;
import dev.quarry.proto.v1.ShardLoad;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides, with hysteresis, when a shard gets one extra replica and when it gives it back.
 * Algorithm: per shard take, from the heartbeats, the <em>best</em> query latency among its replicas
 * that served queries lately (a replica reporting none tells nothing) and the <em>worst</em> apply lag.
 * The best latency is what the coordinator gets by routing: one slow replica beside a fast one is a
 * sick node, which adaptive replica selection and hedging already route around, and copying the
 * shard onto another node would only add load (on the 2-core chaos run such a copy during the hot
 * phase took the interactive p50 from about 50 ms to 400 ms); only when every replica is slow does
 * one more replica help. A shard is <em>hot</em> while its apply lag exceeds its threshold, or its
 * latency exceeds its threshold <em>and</em> twice the median latency of the index's other shards:
 * when every shard is slow the machines are overloaded, and one more replica of each would only add
 * copying to the load. It is <em>cool</em> while its lag is below half the threshold and its
 * latency below half the threshold or below 1.25 times the others' median (the gap between hot
 * and cool is the hysteresis band, where nothing changes). Hot continuously for {@code hotFor} → {@code ScaleShard(extra=1)};
 * cool continuously for {@code coolFor} → {@code ScaleShard(extra=0)}. A shard with no reports
 * counts as cool.
 *
 * <p>The extra count lives in the replicated state ({@code ShardInfo.extra_replicas}), so a new
 * leader keeps the hot replica; only the timers restart with it.
 *
 * <p>Thread-safety: not thread-safe; confined to the leader-duties thread.
 */
public final class HotShardDetector {
    /** Thresholds and durations. */
    public record Config(double hotLatencyMillis, long hotApplyLag, Duration hotFor, Duration coolFor) {
        public static final Config DEFAULTS = new Config(250, 50_000, Duration.ofSeconds(30), Duration.ofMinutes(2));
        /** Never hot: no shard gets an extra replica (an extra one from before is taken back after {@code coolFor}). */
        public static final Config OFF = new Config(Double.POSITIVE_INFINITY, Long.MAX_VALUE, Duration.ZERO, Duration.ZERO);

        public Config {
            if (hotLatencyMillis <= 0 || hotApplyLag <= 0 || hotFor.isNegative() || coolFor.isNegative()) {
                throw new IllegalArgumentException("hot-shard thresholds must be positive");
            }
        }
    }

    private record Key(String index, int shard) {}

    /** Latency makes a shard hot only above this multiple of its index's other shards' median... */
    static final double RELATIVE_HOT = 2.0;
    /** ... and it counts as cool again below this multiple (or below half the threshold). */
    static final double RELATIVE_COOL = 1.25;

    private final Config config;
    private final Clock clock;
    /** Since when the shard is continuously hot / cool (absent: not in that condition). */
    private final Map<Key, Long> hotSince = new HashMap<>();
    private final Map<Key, Long> coolSince = new HashMap<>();

    public HotShardDetector(Config config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Updates the timers from the latest loads (by node) and returns the scale changes due now. */
    public List<MetaCommand> evaluate(ClusterState state, Map<String, List<ShardLoad>> loadsByNode) {
        long now = clock.millis();
        Map<Key, double[]> byShard = new HashMap<>(); // {best latency of the replicas that served queries (0: none did), worst lag}
        for (List<ShardLoad> loads : loadsByNode.values()) {
            for (ShardLoad l : loads) {
                double[] w = byShard.computeIfAbsent(new Key(l.getIndex(), l.getShard()), k -> new double[2]);
                double latency = l.getQueryLatencyMs();
                if (latency > 0 && (w[0] == 0 || latency < w[0])) {
                    w[0] = latency;
                }
                w[1] = Math.max(w[1], l.getApplyLag());
            }
        }
        List<MetaCommand> out = new ArrayList<>();
        Map<Key, Long> keptHot = new HashMap<>();
        Map<Key, Long> keptCool = new HashMap<>();
        for (String name : state.getIndicesMap().keySet().stream().sorted().toList()) {
            IndexInfo index = state.getIndicesMap().get(name);
            for (ShardInfo shard : index.getShardsList()) {
                Key key = new Key(name, shard.getId());
                double[] w = byShard.getOrDefault(key, new double[2]);
                double others = medianLatencyOfOthers(name, index, shard.getId(), byShard);
                boolean latencyHot = w[0] > config.hotLatencyMillis() && w[0] > RELATIVE_HOT * others;
                boolean latencyCool = w[0] < config.hotLatencyMillis() / 2 || w[0] < RELATIVE_COOL * others;
                boolean hot = latencyHot || w[1] > config.hotApplyLag();
                boolean cool = latencyCool && w[1] < config.hotApplyLag() / 2.0;
                if (hot) {
                    long since = hotSince.getOrDefault(key, now);
                    keptHot.put(key, since);
                    if (shard.getExtraReplicas() == 0 && now - since >= config.hotFor().toMillis()) {
                        out.add(scale(name, shard.getId(), 1));
                    }
                } else if (cool) {
                    long since = coolSince.getOrDefault(key, now);
                    keptCool.put(key, since);
                    if (shard.getExtraReplicas() > 0 && now - since >= config.coolFor().toMillis()) {
                        out.add(scale(name, shard.getId(), 0));
                    }
                }
            }
        }
        hotSince.clear();
        hotSince.putAll(keptHot);
        coolSince.clear();
        coolSince.putAll(keptCool);
        return out;
    }

    /** Median of the latencies of the index's other shards (each its best replica's); 0 when it has no other shard. */
    private static double medianLatencyOfOthers(String index, IndexInfo info, int shard, Map<Key, double[]> byShard) {
        double[] others = info.getShardsList().stream().filter(s -> s.getId() != shard)
                .mapToDouble(s -> byShard.getOrDefault(new Key(index, s.getId()), new double[2])[0]).sorted().toArray();
        if (others.length == 0) {
            return 0;
        }
        int mid = others.length / 2;
        return others.length % 2 == 1 ? others[mid] : (others[mid - 1] + others[mid]) / 2;
    }

    /** Forgets the timers (on losing leadership). */
    public void reset() {
        hotSince.clear();
        coolSince.clear();
    }

    private static MetaCommand scale(String index, int shard, int extra) {
        return MetaCommand.newBuilder().setScaleShard(ScaleShardCommand.newBuilder()
                .setIndex(index).setShard(shard).setExtraReplicas(extra)).build();
    }
}
