package dev.quarry.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunAnalysisTest {
    private static final HotShardTimeline TIMELINE = new HotShardTimeline(40); // baseline [0,10) hot [10,20) faults [20,30) recovery [30,40)

    @Test
    void percentilesAreNearestRankOverAnsweredInteractiveQueriesOfEachPhase() {
        List<ClientLog.Query> qs = new ArrayList<>();
        for (int i = 1; i <= 100; i++) { // baseline: 1..100 ms
            qs.add(new ClientLog.Query(i * 50L, true, ClientLog.Outcome.OK, i * 1000L));
        }
        qs.add(new ClientLog.Query(9_000, true, ClientLog.Outcome.SHED, 0));
        qs.add(new ClientLog.Query(9_000, false, ClientLog.Outcome.OK, 999_000_000)); // batch: no influence on latency
        for (int i = 1; i <= 10; i++) { // hot: 10..100 ms
            qs.add(new ClientLog.Query(12_000 + i, true, ClientLog.Outcome.OK, i * 10_000L));
        }
        qs.add(new ClientLog.Query(15_000, true, ClientLog.Outcome.ERROR, 0));
        qs.add(new ClientLog.Query(15_000, false, ClientLog.Outcome.SHED, 0));
        List<ClientLog.AckedWrite> writes = List.of(new ClientLog.AckedWrite(100, "a", 1), new ClientLog.AckedWrite(31_000, "b", 2));

        List<ChaosRun.PhaseStats> ps = RunAnalysis.phaseStats(TIMELINE.phases(), qs, writes);
        assertThat(ps).extracting(ChaosRun.PhaseStats::phase).containsExactly("baseline", "hot", "faults", "recovery");
        ChaosRun.PhaseStats base = ps.get(0);
        assertThat(base.interactive()).isEqualTo(101);
        assertThat(base.interactiveShed()).isEqualTo(1);
        assertThat(base.p50Ms()).isEqualTo(50.0);
        assertThat(base.p99Ms()).isEqualTo(99.0);
        assertThat(base.batch()).isEqualTo(1);
        assertThat(base.writesAcked()).isEqualTo(1);
        ChaosRun.PhaseStats hot = ps.get(1);
        assertThat(hot.interactive()).isEqualTo(11);
        assertThat(hot.interactiveErrors()).isEqualTo(1);
        assertThat(hot.p99Ms()).isEqualTo(100.0);
        assertThat(hot.batchShed()).isEqualTo(1);
        assertThat(ps.get(2).p99Ms()).isNaN();
        assertThat(ps.get(3).p99Ms()).isNaN();
        assertThat(ps.get(3).writesAcked()).isEqualTo(1);
    }

    @Test
    void samplesCountEverySecondAndKeepTheLastReadingOfIt() {
        List<ClientLog.Query> qs = List.of(
                new ClientLog.Query(500, true, ClientLog.Outcome.OK, 2_000),
                new ClientLog.Query(1_500, true, ClientLog.Outcome.SHED, 0),
                new ClientLog.Query(1_600, false, ClientLog.Outcome.SHED, 0),
                new ClientLog.Query(1_700, false, ClientLog.Outcome.ERROR, 0));
        List<ClientLog.HotShardReading> rs = List.of(new ClientLog.HotShardReading(200, 2, 10, List.of()),
                new ClientLog.HotShardReading(900, 3, 5000, List.of()), new ClientLog.HotShardReading(1_200, -1, -1, List.of()));
        List<ChaosRun.Sample> s = RunAnalysis.samples(3, qs, List.of(new ClientLog.AckedWrite(2_100, "x", 1)), rs);
        assertThat(s).hasSize(3);
        assertThat(s.get(0).p99Ms()).isEqualTo(2.0);
        assertThat(s.get(0).interactiveOk()).isEqualTo(1);
        assertThat(s.get(0).hotShardReplicas()).isEqualTo(3);
        assertThat(s.get(0).hotShardLag()).isEqualTo(5000);
        assertThat(s.get(1).p50Ms()).isNaN();
        assertThat(s.get(1).shedInteractive()).isEqualTo(1);
        assertThat(s.get(1).shedBatch()).isEqualTo(1);
        assertThat(s.get(1).errors()).isEqualTo(1);
        assertThat(s.get(1).hotShardReplicas()).as("a failed reading is unknown, not zero").isEqualTo(-1);
        assertThat(s.get(2).writesAcked()).isEqualTo(1);
    }

    @Test
    void timelineScalesWithTheDurationAndRefusesTooShortRuns() {
        HotShardTimeline t = new HotShardTimeline(300);
        assertThat(List.of(t.hotStart(), t.latencyAt(), t.killReplicaAt(), t.killMetaLeaderAt(), t.restartAt(), t.hotEnd()))
                .containsExactly(75.0, 96.0, 150.0, 171.0, 195.0, 225.0);
        assertThat(t.phases()).extracting(ChaosRun.Phase::endSec).containsExactly(75.0, 150.0, 225.0, 300.0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HotShardTimeline(20)).hasMessageContaining("at least 30");
    }

    @Test
    void prometheusSamplesAreSummedByNameAndLabels() {
        PrometheusScrape p = PrometheusScrape.parse("""
                # HELP quarry_coordinator_replica_calls_total calls
                # TYPE quarry_coordinator_replica_calls_total counter
                quarry_coordinator_replica_calls_total{index="packages",node="shard-1",shard="0"} 30.0
                quarry_coordinator_replica_calls_total{index="packages",node="shard-2",shard="0"} 10.0
                quarry_coordinator_replica_calls_total{index="packages",node="shard-1",shard="1"} 7.0
                quarry_coordinator_hedges_sent_total 4.0
                quarry_coordinator_hedges_sent_total_other 99.0
                """);
        assertThat(p.sum("quarry_coordinator_replica_calls_total", "shard=\"0\"")).isEqualTo(40.0);
        assertThat(p.sum("quarry_coordinator_replica_calls_total", "shard=\"0\"", "node=\"shard-1\"")).isEqualTo(30.0);
        assertThat(p.sum("quarry_coordinator_hedges_sent_total")).isEqualTo(4.0);
        assertThat(p.sum("missing")).isZero();
    }

    @Test
    void zipfFavoursLowRanks() {
        ZipfSampler z = new ZipfSampler(100, 1.1);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        int[] hits = new int[100];
        for (int i = 0; i < 100_000; i++) {
            hits[z.sample(r)]++;
        }
        assertThat(hits[0]).isGreaterThan(hits[1]).isGreaterThan(hits[10]);
        assertThat(hits[0] / 100_000.0).isBetween(0.15, 0.25); // 1 / H(100, 1.1) = 0.19
        assertThat(hits[99]).isPositive();
    }
}
