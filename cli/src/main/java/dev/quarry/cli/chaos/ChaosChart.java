package dev.quarry.cli.chaos;

import dev.quarry.cli.chaos.ChaosRun.FaultEvent;
import dev.quarry.cli.chaos.ChaosRun.Phase;
import dev.quarry.cli.chaos.ChaosRun.Sample;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a chaos run over time with JFreeChart: four stacked panels sharing the time axis (interactive
 * latency p50/p95/p99 on a log axis; throughput; errors and shed requests; the hot shard's replica count
 * as a step line with its ingest lag on a second axis), the phases shaded and every fault marked by a
 * vertical line. Also the side-by-side chart of a mitigated and an unmitigated run.
 *
 * <p>Missing values become gaps: a NaN latency (no interactive query completed in that second), a
 * latency of 0 (cannot be drawn on a log axis) and an unknown ({@code -1}) replica count or lag are
 * added as {@code null}, which the line renderers skip.
 *
 * <p>Thread-safety: stateless; every call builds its own chart. Rendering runs in headless AWT, which
 * this class switches on (unless the JVM was told otherwise) before any AWT class is initialised.
 */
final class ChaosChart {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int WIDTH = 1400;
    static final int HEIGHT = 1600;
    static final int COMPARISON_HEIGHT = 900;

    /** Series colours; none is close to the fault markers' colours, so that lines and markers stay apart. */
    private static final Color BLUE = new Color(0x1E88E5);
    private static final Color GREEN = new Color(0x43A047);
    private static final Color BLACK = new Color(0x212121);
    private static final Color BROWN = new Color(0x8D6E63);
    private static final Color ORANGE = new Color(0xFB8C00);
    private static final Color YELLOW = new Color(0xC0A000);
    static final Color KILL_RED = new Color(0xC62828);
    private static final BasicStroke LINE = new BasicStroke(1.6f);
    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);
    private static final Paint[] PHASE_PAINTS = {new Color(0xE8F0FA), new Color(0xFAF3E3)};
    private static final Font MARKER_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    /** Fault labels are staggered over this many rows so that faults a few seconds apart stay legible. */
    private static final int LABEL_ROWS = 4;

    private ChaosChart() {}

    /** Writes the run's four-panel chart as a {@value #WIDTH}×{@value #HEIGHT} PNG. */
    static void writeRunChart(ChaosRun run, Path png) throws IOException {
        ChartUtils.saveChartAsPNG(png.toFile(), runChart(run), WIDTH, HEIGHT);
    }

    /** Writes p99 and shed/errors of both runs on two panels, with the first run's phases and faults marked. */
    static void writeComparisonChart(ChaosRun mitigated, ChaosRun unmitigated, Path png) throws IOException {
        ChartUtils.saveChartAsPNG(png.toFile(), comparisonChart(mitigated, unmitigated), WIDTH, COMPARISON_HEIGHT);
    }

    static JFreeChart runChart(ChaosRun run) {
        List<Sample> s = run.samples();
        XYPlot latency = plot(latencyAxis(), lines(BLUE, GREEN, BLACK),
                collection(series("p50", s, Sample::p50Ms, true), series("p95", s, Sample::p95Ms, true),
                        series("p99", s, Sample::p99Ms, true)));
        XYPlot throughput = plot(new NumberAxis("answered per second"), lines(BLUE, BROWN, GREEN),
                collection(series("interactive ok", s, Sample::interactiveOk, false), series("batch ok", s, Sample::batchOk, false),
                        series("writes acked", s, Sample::writesAcked, false)));
        XYPlot failures = plot(new NumberAxis("shed and errors per second"), lines(ORANGE, YELLOW, BLACK),
                collection(series("interactive shed", s, Sample::shedInteractive, false), series("batch shed", s, Sample::shedBatch, false),
                        series("errors", s, Sample::errors, false)));
        NumberAxis replicaAxis = new NumberAxis("hot shard replicas");
        replicaAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        replicaAxis.setAutoRangeIncludesZero(true);
        XYStepRenderer step = new XYStepRenderer();
        step.setSeriesPaint(0, BLUE);
        step.setSeriesStroke(0, LINE);
        XYPlot replicas = plot(replicaAxis, step, collection(series("hot shard replicas", s, Sample::hotShardReplicas, false)));
        replicas.setRangeAxis(1, new NumberAxis("hot shard ingest lag (records)"));
        replicas.setDataset(1, collection(series("hot shard ingest lag", s, Sample::hotShardLag, false)));
        replicas.setRenderer(1, lines(BROWN));
        replicas.mapDatasetToRangeAxis(1, 1);

        CombinedDomainXYPlot combined = combined(run, latency, throughput, failures, replicas);
        combined.getSubplots().forEach(p -> mark((XYPlot) p, run, p == latency));
        return chart(run.scenario() + " chaos — " + run.name() + " (mitigations " + (run.mitigations() ? "on" : "off") + ")",
                combined);
    }

    static JFreeChart comparisonChart(ChaosRun a, ChaosRun b) {
        XYPlot p99 = plot(latencyAxis(), lines(BLUE, BLACK), collection(series("p99 " + a.name(), a.samples(), Sample::p99Ms, true),
                series("p99 " + b.name(), b.samples(), Sample::p99Ms, true)));
        XYLineAndShapeRenderer failureLines = lines(BLUE, BLACK, BLUE, BLACK);
        failureLines.setSeriesStroke(2, DASHED);
        failureLines.setSeriesStroke(3, DASHED);
        XYPlot failures = plot(new NumberAxis("shed (solid), errors (dashed) per second"), failureLines,
                collection(series("shed " + a.name(), a.samples(), ChaosChart::shed, false),
                        series("shed " + b.name(), b.samples(), ChaosChart::shed, false),
                        series("errors " + a.name(), a.samples(), Sample::errors, false),
                        series("errors " + b.name(), b.samples(), Sample::errors, false)));
        CombinedDomainXYPlot combined = combined(a, p99, failures);
        mark(p99, a, true);
        mark(failures, a, false);
        return chart(a.scenario() + " chaos — " + a.name() + " vs " + b.name() + " (interactive p99, shed and errors)", combined);
    }

    private static double shed(Sample s) {
        return s.shedInteractive() + s.shedBatch();
    }

    private static LogAxis latencyAxis() {
        LogAxis axis = new LogAxis("interactive latency (ms, log scale)");
        axis.setSmallestValue(0.1);
        axis.setNumberFormatOverride(new DecimalFormat("0.#", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        return axis;
    }

    /**
     * A series of one sample field; NaN and negative values (unknown) are gaps, and so is 0 when the
     * series is drawn on a log axis.
     */
    private static XYSeries series(String key, List<Sample> samples, ToDoubleFunction<Sample> field, boolean logScale) {
        XYSeries series = new XYSeries(key, false, true);
        for (Sample sample : samples) {
            double v = field.applyAsDouble(sample);
            boolean gap = Double.isNaN(v) || v < 0 || (logScale && v == 0);
            series.add(sample.tSec(), gap ? null : v);
        }
        return series;
    }

    private static XYSeriesCollection collection(XYSeries... series) {
        XYSeriesCollection collection = new XYSeriesCollection();
        for (XYSeries s : series) {
            collection.addSeries(s);
        }
        return collection;
    }

    /** A line renderer (no shapes) with the given colour per series. */
    private static XYLineAndShapeRenderer lines(Color... paints) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < paints.length; i++) {
            renderer.setSeriesPaint(i, paints[i]);
            renderer.setSeriesStroke(i, LINE);
        }
        return renderer;
    }

    private static XYPlot plot(ValueAxis rangeAxis, XYItemRenderer renderer, XYSeriesCollection data) {
        return new XYPlot(data, null, rangeAxis, renderer);
    }

    /** Subplots over one time axis that spans the run's phases and samples. */
    private static CombinedDomainXYPlot combined(ChaosRun run, XYPlot... subplots) {
        NumberAxis time = new NumberAxis("time (s)");
        double end = Math.max(run.durationSec(), run.phases().stream().mapToDouble(Phase::endSec).max().orElse(0));
        end = Math.max(end, run.samples().stream().mapToDouble(Sample::tSec).max().orElse(0));
        time.setRange(0, Math.max(end, 1));
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(time);
        combined.setGap(12);
        for (XYPlot p : subplots) {
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(Color.LIGHT_GRAY);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
            combined.add(p, 1);
        }
        return combined;
    }

    private static JFreeChart chart(String title, CombinedDomainXYPlot plot) {
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Shades the phases and draws a line at each fault; only the top panel carries the labels. */
    private static void mark(XYPlot plot, ChaosRun run, boolean labels) {
        List<Phase> phases = run.phases();
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            IntervalMarker band = new IntervalMarker(phase.startSec(), phase.endSec(), PHASE_PAINTS[i % PHASE_PAINTS.length]);
            if (labels) {
                band.setLabel(phase.name());
                band.setLabelFont(MARKER_FONT.deriveFont(Font.BOLD));
                band.setLabelAnchor(RectangleAnchor.TOP_LEFT);
                band.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            }
            plot.addDomainMarker(band, Layer.BACKGROUND);
        }
        List<FaultEvent> faults = run.faults();
        for (int i = 0; i < faults.size(); i++) {
            FaultEvent fault = faults.get(i);
            ValueMarker line = new ValueMarker(fault.atSec(), faultColour(fault.kind()), new BasicStroke(1.5f));
            if (labels) {
                line.setLabel(fault.kind() + " " + fault.target());
                line.setLabelFont(MARKER_FONT);
                line.setLabelPaint(faultColour(fault.kind()));
                line.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                line.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                line.setLabelOffset(new RectangleInsets(16 + 13 * (i % LABEL_ROWS), 3, 3, 3));
            }
            plot.addDomainMarker(line, Layer.FOREGROUND);
        }
    }

    private static Color faultColour(String kind) {
        return switch (kind) {
            case "KILL" -> KILL_RED;
            case "RESTART" -> new Color(0x2E7D32);
            case "LATENCY" -> new Color(0xEF6C00);
            case "STORM_START", "STORM_END" -> new Color(0x5E35B1);
            default -> Color.GRAY;
        };
    }
}
