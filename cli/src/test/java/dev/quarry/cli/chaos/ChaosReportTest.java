package dev.quarry.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quarry.cli.chaos.ChaosRun.ClusterShape;
import dev.quarry.cli.chaos.ChaosRun.FaultEvent;
import dev.quarry.cli.chaos.ChaosRun.InvariantResult;
import dev.quarry.cli.chaos.ChaosRun.MitigationStats;
import dev.quarry.cli.chaos.ChaosRun.Phase;
import dev.quarry.cli.chaos.ChaosRun.PhaseStats;
import dev.quarry.cli.chaos.ChaosRun.Sample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosReportTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void jsonReadsBackEqualIncludingNaN() throws IOException {
        ChaosRun run = run("mitigated", true, 23.4, 61.7);

        ChaosReport.write(dir, run, CLOCK);

        Path json = dir.resolve("mitigated.json");
        String text = Files.readString(json);
        assertThat(text).contains("\"p99Ms\" : ", "\"hotShardReplicas\" : ", "\"hotReplicaRetiredAtSec\" : \"NaN\"")
                .contains("\n  \"scenario\" : \"hot-shard\"");
        ChaosRun back = ChaosReport.read(json);
        assertThat(back).isEqualTo(run);
        assertThat(back.samples().get(7).p99Ms()).isNaN();
        assertThat(back.mitigation().hotReplicaRetiredAtSec()).isNaN();
    }

    @Test
    void readsBareNaNTokensToo() throws IOException {
        ChaosRun run = run("mitigated", true, 23.4, 61.7);
        ChaosReport.write(dir, run, CLOCK);
        Path json = dir.resolve("mitigated.json");
        Files.writeString(json, Files.readString(json).replace("\"NaN\"", "NaN"));

        assertThat(ChaosReport.read(json)).isEqualTo(run);
    }

    @Test
    void chartIsAPngOfTheExpectedSizeWithFaultsDrawn() throws IOException {
        ChaosReport.write(dir, run("mitigated", true, 23.4, 61.7), CLOCK);

        BufferedImage png = ImageIO.read(dir.resolve("mitigated.png").toFile());
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(ChaosChart.WIDTH);
        assertThat(png.getHeight()).isEqualTo(ChaosChart.HEIGHT);
        // Two KILL faults: two vertical lines of the KILL colour through the panels, nothing else drawn in it upright.
        assertThat(columnsMostlyOf(png, ChaosChart.KILL_RED.getRGB())).as("columns drawn as KILL marker lines")
                .isBetween(2, 6);
    }

    @Test
    void everyPanelMarksEveryFaultAndPhaseButOnlyTheTopOneIsLabelled() {
        ChaosRun run = run("mitigated", true, 23.4, 61.7);

        JFreeChart chart = ChaosChart.runChart(run);

        assertThat(chart.getTitle().getText()).isEqualTo("hot-shard chaos — mitigated (mitigations on)");
        List<XYPlot> panels = ((CombinedDomainXYPlot) chart.getPlot()).getSubplots();
        assertThat(panels).hasSize(4);
        for (int i = 0; i < panels.size(); i++) {
            List<Marker> faults = List.copyOf(panels.get(i).getDomainMarkers(Layer.FOREGROUND));
            List<Marker> phases = List.copyOf(panels.get(i).getDomainMarkers(Layer.BACKGROUND));
            assertThat(faults).hasSize(run.faults().size()).allMatch(m -> m instanceof ValueMarker);
            assertThat(phases).hasSize(run.phases().size()).allMatch(m -> m instanceof IntervalMarker);
            assertThat(((ValueMarker) faults.get(1)).getValue()).isEqualTo(run.faults().get(1).atSec());
            if (i == 0) {
                assertThat(faults).extracting(Marker::getLabel)
                        .containsExactly("STORM_START packages/2", "LATENCY shard-3", "KILL shard-4", "KILL meta-2 (leader)");
                assertThat(phases).extracting(Marker::getLabel).containsExactly("baseline", "hot shard");
            } else {
                assertThat(faults).extracting(Marker::getLabel).containsOnlyNulls();
            }
        }
        // NaN latency is a gap (null), not a point.
        XYPlot latency = panels.getFirst();
        assertThat(latency.getDataset().getY(2, 7)).isNull();
        assertThat(latency.getDataset().getY(2, 8)).isNotNull();
        // Replica count on the step renderer, lag on the second axis.
        XYPlot replicas = panels.get(3);
        assertThat(replicas.getRangeAxisForDataset(1)).isSameAs(replicas.getRangeAxis(1));
        assertThat(replicas.getRangeAxis(1).getLabel()).isEqualTo("hot shard ingest lag (records)");
    }

    @Test
    void markdownHasTimelineFaultsPhaseStatsMitigationsInvariantsAndChart() throws IOException {
        Path md = ChaosReport.write(dir, run("mitigated", true, 23.4, 61.7), CLOCK);

        assertThat(md).isEqualTo(dir.resolve("report.md"));
        String text = Files.readString(md);
        assertThat(text)
                .startsWith("# hot-shard chaos report\n")
                .contains("Generated 2026-03-01T12:00:00Z from 1 run.")
                .contains("## Run `mitigated` — mitigations on — FAIL")
                .contains("1 Kafka broker(s), 3 meta peers, 4 shard servers, 8 shards × 2 replicas, 50000 documents")
                .contains("| baseline | 0.0 | 60.0 | 60.0 |", "| hot shard | 60.0 | 120.0 | 60.0 |")
                .contains("| 65.0 | KILL | shard-4 | kill -9 \\| pid 4711 |")
                .contains("| baseline | 5900 | 9.5 | 15.0 | 23.4 | 3 | 0 | 1200 | 0 | 0 | 5800 |")
                .contains("| hot shard | 5700 | 14.2 | 40.1 | 61.7 | 12 | 4 | 2100 | 900 | 1 | 9800 |")
                .contains("| hedges sent / won | 420 / 150 |", "| slow replica's share while slow | 8.00 % |",
                        "| extra replica added at (s) | 72.0 |", "| extra replica retired at (s) | never |",
                        "| ingest lag drained at (s) | 110.5 |")
                .contains("| acknowledged writes present | PASS | 11700 of 11700 |")
                .contains("| replica fingerprints equal | FAIL | packages/2: replica 1 a3f0 ≠ replica 2 9b1c |")
                .contains("![hot-shard chaos — mitigated](mitigated.png)")
                .doesNotContain("## Side by side", "comparison.png");
        assertThat(dir.resolve("comparison.png")).doesNotExist();
    }

    @Test
    void aSecondRunIsReportedSideBySideWithAComparisonChart() throws IOException {
        ChaosReport.write(dir, run("mitigated", true, 20.0, 50.0), CLOCK);
        Files.writeString(dir.resolve("unrelated.json"), "{\"hello\": 1}");

        Path md = ChaosReport.write(dir, run("no-mitigation", false, 20.0, 400.0), CLOCK);

        String text = Files.readString(md);
        assertThat(text)
                .contains("from 2 runs.")
                .contains("| metric | mitigated | no-mitigation |")
                .contains("| mitigations | on | off |")
                .contains("| baseline p99 (ms) | 20.0 | 20.0 |")
                .contains("| hot-phase p99 (ms) | 50.0 | 400.0 |")
                .contains("| hot / baseline p99 | 2.50× | 20.00× |")
                .contains("| interactive errors | 0.13 % | 0.13 % |")
                .contains("| batch shed | 27.27 % | 27.27 % |")
                .contains("| extra replica added / retired at (s) | 72.0 / never | 72.0 / never |")
                .contains("| invariants passed | 1 / 2 | 1 / 2 |")
                .contains("![interactive p99, shed and errors side by side](comparison.png)")
                .contains("## Run `mitigated`", "## Run `no-mitigation` — mitigations off",
                        "](mitigated.png)", "](no-mitigation.png)")
                .doesNotContain("unrelated");
        assertThat(text.indexOf("## Side by side")).isLessThan(text.indexOf("## Run `mitigated`"));
        assertThat(text.indexOf("## Run `mitigated`")).isLessThan(text.indexOf("## Run `no-mitigation`"));

        BufferedImage comparison = ImageIO.read(dir.resolve("comparison.png").toFile());
        assertThat(comparison).isNotNull();
        assertThat(comparison.getWidth()).isEqualTo(ChaosChart.WIDTH);
        assertThat(comparison.getHeight()).isEqualTo(ChaosChart.COMPARISON_HEIGHT);
        assertThat(dir.resolve("no-mitigation.png")).isRegularFile();
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void rejectsARunNameThatIsNotAPlainFileName() {
        assertThatThrownBy(() -> ChaosReport.write(dir, run("../escape", true, 1, 2), CLOCK))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.getParent().resolve("escape.json")).doesNotExist();
    }

    /**
     * Pixel columns of which at least half the rows are within 60 per channel of {@code rgb}: vertical lines
     * of that colour (an anti-aliased line of 1.6 px covers one to three columns).
     */
    private static int columnsMostlyOf(BufferedImage image, int rgb) {
        int columns = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            int near = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                int p = image.getRGB(x, y);
                if (close(p >> 16, rgb >> 16) && close(p >> 8, rgb >> 8) && close(p, rgb)) {
                    near++;
                }
            }
            if (near >= image.getHeight() / 2) {
                columns++;
            }
        }
        return columns;
    }

    private static boolean close(int a, int b) {
        return Math.abs((a & 0xFF) - (b & 0xFF)) <= 60;
    }

    /**
     * 120 seconds in two phases, four faults, NaN latency at t = 7 and t = 64 (no interactive answer),
     * an unknown replica count and lag at t = 3, one invariant failing.
     */
    static ChaosRun run(String name, boolean mitigations, double baselineP99, double hotP99) {
        Random random = new Random(42);
        List<Sample> samples = new ArrayList<>();
        for (int t = 0; t < 120; t++) {
            boolean hot = t >= 60;
            boolean silent = t == 7 || t == 64;
            double p50 = silent ? Double.NaN : 8 + random.nextDouble() * 4;
            double p95 = silent ? Double.NaN : p50 * 2;
            double p99 = silent ? Double.NaN : (hot ? hotP99 : baselineP99) * (0.8 + random.nextDouble() * 0.4);
            int replicas = t == 3 ? -1 : (t >= 72 && t < 100 ? 3 : 2);
            long lag = t == 3 ? -1 : (hot && t < 110 ? 20_000L * (t - 59) : random.nextInt(50));
            samples.add(new Sample(t, p50, p95, p99, silent ? 0 : 95 + random.nextInt(10), hot ? 35 : 20, hot ? 160 : 97,
                    hot ? random.nextInt(3) : 0, hot ? random.nextInt(2) : 0, hot ? 15 : 0, replicas, lag));
        }
        List<PhaseStats> stats = List.of(
                new PhaseStats("baseline", 5900, 9.5, 15.0, baselineP99, 3, 0, 1200, 0, 0, 5800),
                new PhaseStats("hot shard", 5700, 14.2, 40.1, hotP99, 12, 4, 2100, 900, 1, 9800));
        return new ChaosRun("hot-shard", name, mitigations, "2026-03-01T11:58:00Z", 120,
                new ClusterShape(1, 3, 4, 8, 2, 50_000), "packages/2",
                List.of(new Phase("baseline", 0, 60), new Phase("hot shard", 60, 120)),
                List.of(new FaultEvent(60, "STORM_START", "packages/2", "updates to 500 keys"),
                        new FaultEvent(62.5, "LATENCY", "shard-3", "50 ms on packages/2"),
                        new FaultEvent(65, "KILL", "shard-4", "kill -9 | pid 4711"),
                        new FaultEvent(80, "KILL", "meta-2 (leader)", "kill -9")),
                samples, stats,
                new MitigationStats(420, 150, 0.08, 3, 72, Double.NaN, 110.5),
                List.of(new InvariantResult("acknowledged writes present", true, "11700 of 11700"),
                        new InvariantResult("replica fingerprints equal", false,
                                "packages/2: replica 1 a3f0 ≠ replica 2 9b1c")));
    }
}
