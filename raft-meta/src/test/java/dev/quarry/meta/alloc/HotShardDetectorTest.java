package dev.quarry.meta.alloc;

import static dev.quarry.meta.state.Commands.createIndex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.meta.liveness.MutableClock;
import dev.quarry.meta.state.ClusterStates;
import dev.quarry.meta.state.StateTransitions;
import dev.quarry.proto.v1.ClusterState;
import dev.quarry.proto.v1.MetaCommand;
import dev.quarry.proto.v1.ShardLoad;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HotShardDetectorTest {
    private final MutableClock clock = new MutableClock();
    private final HotShardDetector detector = new HotShardDetector(
            new HotShardDetector.Config(100, 1_000, Duration.ofSeconds(10), Duration.ofSeconds(30)), clock);
    private ClusterState state = StateTransitions.apply(ClusterStates.EMPTY, createIndex("a", 2, 2, 1)).state();

    @Test
    void hotForLongEnoughAddsOneReplicaAndCoolForLongEnoughRemovesIt() {
        assertThat(tick(load(150, 0), 0)).isEmpty();
        assertThat(tick(load(150, 0), 9)).isEmpty();
        List<MetaCommand> up = tick(load(20, 5_000), 1); // lag alone keeps it hot
        assertThat(up).singleElement().satisfies(c -> {
            assertThat(c.getScaleShard().getShard()).isEqualTo(1);
            assertThat(c.getScaleShard().getExtraReplicas()).isEqualTo(1);
        });
        state = StateTransitions.apply(state, up.get(0)).state();
        assertThat(tick(load(150, 0), 60)).as("already scaled").isEmpty();
        // In the hysteresis band (between half the threshold and the threshold) nothing changes.
        assertThat(tick(load(70, 0), 60)).isEmpty();
        assertThat(tick(load(10, 0), 0)).isEmpty(); // cool from now on
        assertThat(tick(load(10, 0), 29)).isEmpty();
        assertThat(tick(load(10, 0), 1)).singleElement()
                .satisfies(c -> assertThat(c.getScaleShard().getExtraReplicas()).isZero());
    }

    @Test
    void aBlipBelowTheThresholdRestartsTheHotTimer() {
        tick(load(150, 0), 0);
        tick(load(150, 0), 8);
        assertThat(tick(load(90, 0), 1)).isEmpty();
        assertThat(tick(load(150, 0), 1)).isEmpty();
        assertThat(tick(load(150, 0), 9)).isEmpty();
        assertThat(tick(load(150, 0), 1)).hasSize(1);
    }

    @Test
    void whenEveryShardIsSlowNoneIsHot() {
        Map<String, List<ShardLoad>> allSlow = Map.of(
                "s1", List.of(ShardLoad.newBuilder().setIndex("a").setShard(1).setQueryLatencyMs(400).build()),
                "s2", List.of(ShardLoad.newBuilder().setIndex("a").setShard(0).setQueryLatencyMs(300).build()));
        assertThat(tick(allSlow, 0)).isEmpty();
        assertThat(tick(allSlow, 60)).as("400 ms is not twice the other shard's 300 ms: overload, not a hot shard").isEmpty();
        Map<String, List<ShardLoad>> oneHot = Map.of(
                "s1", List.of(ShardLoad.newBuilder().setIndex("a").setShard(1).setQueryLatencyMs(700).build()),
                "s2", List.of(ShardLoad.newBuilder().setIndex("a").setShard(0).setQueryLatencyMs(300).build()));
        assertThat(tick(oneHot, 0)).isEmpty();
        assertThat(tick(oneHot, 10)).singleElement().satisfies(c -> assertThat(c.getScaleShard().getShard()).isEqualTo(1));
    }

    private List<MetaCommand> tick(Map<String, List<ShardLoad>> loads, int seconds) {
        clock.advance(Duration.ofSeconds(seconds));
        return detector.evaluate(state, loads);
    }

    @Test
    void oneSlowReplicaBesideAFastOneIsNotHotButASlowShardIs() {
        Map<String, List<ShardLoad>> oneSlow = Map.of(
                "s1", List.of(shard1(400, 0)),
                "s2", List.of(shard1(5, 0), ShardLoad.newBuilder().setIndex("a").setShard(0).setQueryLatencyMs(5).build()));
        assertThat(tick(oneSlow, 0)).isEmpty();
        assertThat(tick(oneSlow, 60)).as("the coordinator routes around the slow replica; a copy would only add load").isEmpty();
        Map<String, List<ShardLoad>> onlyTheSlowOneQueried = Map.of(
                "s1", List.of(shard1(400, 0)),
                "s2", List.of(shard1(0, 0), ShardLoad.newBuilder().setIndex("a").setShard(0).setQueryLatencyMs(5).build()));
        assertThat(tick(onlyTheSlowOneQueried, 0)).as("a replica that served no query (0 ms) tells nothing").isEmpty();
        assertThat(tick(onlyTheSlowOneQueried, 10)).singleElement().satisfies(c -> assertThat(c.getScaleShard().getShard()).isEqualTo(1));
    }

    @Test
    void aLaggingReplicaMakesItsShardHotWhateverTheOthers() {
        Map<String, List<ShardLoad>> oneBehind = Map.of(
                "s1", List.of(shard1(1, 5_000)),
                "s2", List.of(shard1(1, 0)));
        assertThat(tick(oneBehind, 0)).isEmpty();
        assertThat(tick(oneBehind, 10)).hasSize(1);
    }

    /** Two nodes report shard 1: its best latency and its worst lag count. */
    private static Map<String, List<ShardLoad>> load(double latency, long lag) {
        return Map.of(
                "s1", List.of(shard1(latency, lag)),
                "s2", List.of(shard1(3 * latency, 0), ShardLoad.newBuilder().setIndex("a").setShard(0).setQueryLatencyMs(1).build()));
    }

    private static ShardLoad shard1(double latency, long lag) {
        return ShardLoad.newBuilder().setIndex("a").setShard(1).setQueryLatencyMs(latency).setApplyLag(lag).build();
    }
}
