package dev.quarry.cli.chaos;

import dev.quarry.cli.chaos.ChaosRun.ClusterShape;
import dev.quarry.cli.chaos.ChaosRun.FaultEvent;
import dev.quarry.cli.chaos.ChaosRun.InvariantResult;
import dev.quarry.cli.chaos.ChaosRun.MitigationStats;
import dev.quarry.cli.chaos.ChaosRun.PhaseStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Renders {@code report.md} from every run of a report folder: when there are two runs or more, a
 * side-by-side summary (one column per run) first, then per run its cluster, timeline, faults,
 * per-phase statistics, mitigation figures, invariants and chart. Unknown values (NaN) print as
 * {@code —}, times that never came as {@code never}.
 *
 * <p>Thread-safety: stateless.
 */
final class ChaosMarkdown {
    static final String NONE = "—";
    static final String NEVER = "never";

    private ChaosMarkdown() {}

    /**
     * @param runs           the runs, in the order of the columns
     * @param generatedAt    when the report was written
     * @param comparisonPng  the side-by-side chart's file name, or null if there is none
     */
    static String render(List<ChaosRun> runs, Instant generatedAt, String comparisonPng) {
        StringBuilder md = new StringBuilder();
        String scenario = runs.isEmpty() ? "chaos" : runs.getFirst().scenario();
        md.append("# ").append(scenario).append(" chaos report\n\n");
        md.append("Generated ").append(generatedAt).append(" from ").append(runs.size()).append(runs.size() == 1 ? " run" : " runs")
                .append(".\n\n");
        if (runs.size() > 1) {
            summary(md, runs);
            if (comparisonPng != null) {
                md.append("![interactive p99, shed and errors side by side](").append(comparisonPng).append(")\n\n");
            }
        }
        for (ChaosRun run : runs) {
            run(md, run);
        }
        return md.toString();
    }

    private static void summary(StringBuilder md, List<ChaosRun> runs) {
        md.append("## Side by side\n\n");
        List<String> header = new ArrayList<>(List.of("metric"));
        runs.forEach(r -> header.add(r.name()));
        row(md, header);
        row(md, header.stream().map(h -> "---").toList());
        summaryRow(md, runs, "mitigations", r -> r.mitigations() ? "on" : "off");
        summaryRow(md, runs, "result", r -> r.passed() ? "PASS" : "FAIL");
        summaryRow(md, runs, "baseline p99 (ms)", r -> ms(RunFigures.baseline(r).map(PhaseStats::p99Ms).orElse(Double.NaN)));
        summaryRow(md, runs, "hot-phase p99 (ms)", r -> ms(RunFigures.hot(r).map(PhaseStats::p99Ms).orElse(Double.NaN)));
        summaryRow(md, runs, "hot / baseline p99", r -> ratio(RunFigures.hotToBaselineP99(r)));
        summaryRow(md, runs, "faults-phase p99 (ms)", r -> ms(RunFigures.phase(r, "faults").map(PhaseStats::p99Ms).orElse(Double.NaN)));
        summaryRow(md, runs, "interactive queries", r -> Long.toString(RunFigures.total(r, PhaseStats::interactive)));
        summaryRow(md, runs, "interactive errors", r -> percent(RunFigures.interactiveErrorShare(r)));
        summaryRow(md, runs, "interactive shed", r -> percent(RunFigures.share(r, PhaseStats::interactiveShed, PhaseStats::interactive)));
        summaryRow(md, runs, "batch shed", r -> percent(RunFigures.share(r, PhaseStats::batchShed, PhaseStats::batch)));
        summaryRow(md, runs, "writes acked", r -> Long.toString(RunFigures.total(r, PhaseStats::writesAcked)));
        summaryRow(md, runs, "max hot-shard replicas", r -> Integer.toString(r.mitigation().maxHotShardReplicas()));
        summaryRow(md, runs, "extra replica added / retired at (s)",
                r -> at(r.mitigation().hotReplicaAddedAtSec()) + " / " + at(r.mitigation().hotReplicaRetiredAtSec()));
        summaryRow(md, runs, "hedges sent / won", r -> r.mitigation().hedgesSent() + " / " + r.mitigation().hedgesWon());
        summaryRow(md, runs, "lag drained at (s)", r -> at(r.mitigation().lagDrainedAtSec()));
        summaryRow(md, runs, "invariants passed",
                r -> r.invariants().stream().filter(InvariantResult::passed).count() + " / " + r.invariants().size());
        md.append("\nErrors and shed: shares of the interactive (batch) queries of all phases. Baseline: the phase named "
                + "`baseline` (else the first); hot phase: the first phase whose name contains `hot` (else the second).\n\n");
    }

    private static void summaryRow(StringBuilder md, List<ChaosRun> runs, String metric, Function<ChaosRun, String> value) {
        List<String> cells = new ArrayList<>(List.of(metric));
        runs.forEach(r -> cells.add(value.apply(r)));
        row(md, cells);
    }

    private static void run(StringBuilder md, ChaosRun run) {
        md.append("## Run `").append(run.name()).append("` — mitigations ").append(run.mitigations() ? "on" : "off").append(" — ")
                .append(run.passed() ? "PASS" : "FAIL").append("\n\n");
        ClusterShape c = run.cluster();
        md.append("Started ").append(run.startedAt()).append(", planned ").append(run.durationSec()).append(" s. Cluster: ")
                .append(c.kafkaBrokers()).append(" Kafka broker(s), ").append(c.metaPeers()).append(" meta peers, ")
                .append(c.shardServers()).append(" shard servers, ").append(c.shards()).append(" shards × ").append(c.replicas())
                .append(" replicas, ").append(c.documents()).append(" documents. Hot shard: `").append(run.hotShard()).append("`.\n\n");

        md.append("### Timeline\n\n");
        table(md, List.of("phase", "start (s)", "end (s)", "length (s)"),
                run.phases().stream().map(p -> List.of(p.name(), sec(p.startSec()), sec(p.endSec()), sec(p.endSec() - p.startSec())))
                        .toList());

        md.append("### Faults\n\n");
        table(md, List.of("t (s)", "kind", "target", "detail"),
                run.faults().stream().map((FaultEvent f) -> List.of(sec(f.atSec()), f.kind(), f.target(), f.detail())).toList());

        md.append("### Per phase\n\n");
        table(md, List.of("phase", "interactive", "p50 (ms)", "p95 (ms)", "p99 (ms)", "errors", "shed", "batch", "batch shed",
                        "batch errors", "writes acked"),
                run.phaseStats().stream().map(p -> List.of(p.phase(), Long.toString(p.interactive()), ms(p.p50Ms()), ms(p.p95Ms()),
                        ms(p.p99Ms()), Long.toString(p.interactiveErrors()), Long.toString(p.interactiveShed()), Long.toString(p.batch()),
                        Long.toString(p.batchShed()), Long.toString(p.batchErrors()), Long.toString(p.writesAcked()))).toList());

        MitigationStats m = run.mitigation();
        md.append("### Mitigations\n\n");
        table(md, List.of("figure", "value"), List.of(
                List.of("hedges sent / won", m.hedgesSent() + " / " + m.hedgesWon()),
                List.of("slow replica's share while slow", percent(m.slowReplicaShare())),
                List.of("max hot-shard replicas", Integer.toString(m.maxHotShardReplicas())),
                List.of("extra replica added at (s)", at(m.hotReplicaAddedAtSec())),
                List.of("extra replica retired at (s)", at(m.hotReplicaRetiredAtSec())),
                List.of("ingest lag drained at (s)", at(m.lagDrainedAtSec()))));

        md.append("### Invariants\n\n");
        table(md, List.of("invariant", "result", "detail"),
                run.invariants().stream().map(i -> List.of(i.name(), i.passed() ? "PASS" : "FAIL", i.detail())).toList());

        md.append("![").append(run.scenario()).append(" chaos — ").append(run.name()).append("](")
                .append(run.name()).append(".png)\n\n");
    }

    private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
        if (rows.isEmpty()) {
            md.append("(none)\n\n");
            return;
        }
        row(md, header);
        row(md, header.stream().map(h -> "---").toList());
        rows.forEach(r -> row(md, r));
        md.append('\n');
    }

    private static void row(StringBuilder md, List<String> cells) {
        md.append('|');
        for (String cell : cells) {
            md.append(' ').append(escape(cell)).append(" |");
        }
        md.append('\n');
    }

    /** Keeps free text (fault details, invariant details) inside its table cell. */
    static String escape(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    static String ms(double v) {
        return Double.isNaN(v) ? NONE : String.format(Locale.ROOT, "%.1f", v);
    }

    static String sec(double v) {
        return Double.isNaN(v) ? NONE : String.format(Locale.ROOT, "%.1f", v);
    }

    static String at(double v) {
        return Double.isNaN(v) ? NEVER : sec(v);
    }

    static String percent(double share) {
        return Double.isNaN(share) ? NONE : String.format(Locale.ROOT, "%.2f %%", 100 * share);
    }

    static String ratio(double r) {
        return Double.isNaN(r) || Double.isInfinite(r) ? NONE : String.format(Locale.ROOT, "%.2f×", r);
    }
}
