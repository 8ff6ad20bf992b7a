package dev.quarry.cli.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the client log of a run into the report's per-second samples and per-phase statistics.
 * Latency percentiles are over answered interactive queries (nearest rank); a second or phase
 * without any has NaN.
 * Thread-safety: stateless.
 */
final class RunAnalysis {
    private RunAnalysis() {}

    static List<ChaosRun.Sample> samples(int durationSec, List<ClientLog.Query> queries, List<ClientLog.AckedWrite> writes,
                                         List<ClientLog.HotShardReading> readings) {
        List<ChaosRun.Sample> out = new ArrayList<>(durationSec);
        List<List<Long>> lat = new ArrayList<>();
        int[][] counts = new int[durationSec][5]; // interactiveOk, batchOk, errors, shedInteractive, shedBatch
        int[] acked = new int[durationSec];
        for (int i = 0; i < durationSec; i++) {
            lat.add(new ArrayList<>());
        }
        for (ClientLog.Query q : queries) {
            int s = (int) (q.tMillis() / 1000);
            if (s < 0 || s >= durationSec) {
                continue;
            }
            switch (q.outcome()) {
                case OK -> {
                    counts[s][q.interactive() ? 0 : 1]++;
                    if (q.interactive()) {
                        lat.get(s).add(q.latencyMicros());
                    }
                }
                case ERROR -> counts[s][2]++;
                case SHED -> counts[s][q.interactive() ? 3 : 4]++;
            }
        }
        for (ClientLog.AckedWrite w : writes) {
            int s = (int) (w.tMillis() / 1000);
            if (s >= 0 && s < durationSec) {
                acked[s]++;
            }
        }
        int[] replicas = new int[durationSec];
        long[] lag = new long[durationSec];
        Arrays.fill(replicas, -1);
        Arrays.fill(lag, -1);
        for (ClientLog.HotShardReading r : readings) {
            int s = (int) (r.tMillis() / 1000);
            if (s >= 0 && s < durationSec && r.replicas() >= 0) {
                replicas[s] = r.replicas();
                lag[s] = r.maxLag();
            }
        }
        for (int s = 0; s < durationSec; s++) {
            long[] l = lat.get(s).stream().mapToLong(Long::longValue).sorted().toArray();
            out.add(new ChaosRun.Sample(s, pct(l, 0.50), pct(l, 0.95), pct(l, 0.99), counts[s][0], counts[s][1], acked[s], counts[s][2],
                    counts[s][3], counts[s][4], replicas[s], lag[s]));
        }
        return out;
    }

    static List<ChaosRun.PhaseStats> phaseStats(List<ChaosRun.Phase> phases, List<ClientLog.Query> queries, List<ClientLog.AckedWrite> writes) {
        List<ChaosRun.PhaseStats> out = new ArrayList<>();
        for (ChaosRun.Phase p : phases) {
            long interactive = 0;
            long iErr = 0;
            long iShed = 0;
            long batch = 0;
            long bShed = 0;
            long bErr = 0;
            List<Long> lat = new ArrayList<>();
            for (ClientLog.Query q : queries) {
                if (!in(p, q.tMillis())) {
                    continue;
                }
                if (q.interactive()) {
                    interactive++;
                    switch (q.outcome()) {
                        case OK -> lat.add(q.latencyMicros());
                        case ERROR -> iErr++;
                        case SHED -> iShed++;
                    }
                } else {
                    batch++;
                    switch (q.outcome()) {
                        case OK -> { }
                        case ERROR -> bErr++;
                        case SHED -> bShed++;
                    }
                }
            }
            long acked = writes.stream().filter(w -> in(p, w.tMillis())).count();
            long[] l = lat.stream().mapToLong(Long::longValue).sorted().toArray();
            out.add(new ChaosRun.PhaseStats(p.name(), interactive, pct(l, 0.50), pct(l, 0.95), pct(l, 0.99), iErr, iShed, batch, bShed, bErr, acked));
        }
        return out;
    }

    private static boolean in(ChaosRun.Phase p, long tMillis) {
        return tMillis >= p.startSec() * 1000 && tMillis < p.endSec() * 1000;
    }

    /** Nearest-rank percentile of sorted microseconds, in milliseconds; NaN when empty. */
    static double pct(long[] sortedMicros, double q) {
        if (sortedMicros.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sortedMicros.length);
        return sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, rank - 1))] / 1000.0;
    }
}
