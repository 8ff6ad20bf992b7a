package dev.quarry.cli.command;

import dev.quarry.cli.bench.CoordinatorCounters;
import dev.quarry.cli.bench.JitShare;
import dev.quarry.cli.bench.LatencyRun;
import dev.quarry.cli.bench.LuceneBaseline;
import dev.quarry.cli.bench.MachineQuiet;
import dev.quarry.cli.bench.QueryGenerator;
import dev.quarry.cli.util.JsonLines;
import dev.quarry.ingest.json.Json;
import dev.quarry.proto.v1.Scoring;
import dev.quarry.proto.v1.SearchRequest;
import dev.quarry.proto.v1.SearchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Search throughput and latency through a running coordinator, beside one in-process Lucene index of the same documents",
                "queried with the same generated queries in the same run, twice: stock Lucene, and with Quarry's per-hit reads (so that",
                "ratio isolates what distribution costs). The index must hold exactly --data (default: the bundled sample,",
                "which `quarry dev` loads). Every measured query is distinct and new to the coordinator (warm-up, sequential and throughput",
                "runs use disjoint query sets), so neither its result cache nor its statistics cache can answer it; the coordinator's",
                "cache and fan-out counters over the measured runs are printed when its metrics endpoint answers."})
public final class SearchBenchCommand implements Callable<Integer> {
    @Option(names = "--index", defaultValue = "packages", description = "index to query (default ${DEFAULT-VALUE})")
    String index;

    @Option(names = "--data", paramLabel = "FILE", description = "the JSON lines the index holds (default: the bundled sample)")
    Path data;

    @Option(names = "--queries", defaultValue = "10000", description = "measured queries per run (default ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "--warmup", defaultValue = "20000",
            description = {"at least this many queries before measuring, on each side, run in unmeasured rounds like the measured ones",
                    "(default ${DEFAULT-VALUE}); then more rounds until the JIT compilers have settled (--jit-settled), and the bench",
                    "waits for the machine to go quiet"})
    int warmup;

    @Option(names = "--jit-settled", defaultValue = "5", paramLabel = "PERCENT",
            description = {"after --warmup, keep warming up until, in the last warm-up round, the JIT compilers of the server (the process",
                    "behind --metrics-url: in `quarry dev` every service; in a cluster of processes only the coordinator) and of this",
                    "JVM (raw Lucene and the client) each spent at most PERCENT of the round's time compiling",
                    "(default ${DEFAULT-VALUE}; 0: stop after --warmup). A fresh `quarry dev` compiles for minutes under load, and its",
                    "user CPU per search halves meanwhile (0.95 ms in searches 40,000-60,000, 0.43-0.48 ms in 200,000-240,000): measured earlier,",
                    "the bench measures the JIT compiler, not the server"})
    double jitSettled;

    @Option(names = "--max-warmup", defaultValue = "400000",
            description = "warm-up queries at most, JIT settled or not (default ${DEFAULT-VALUE}); the bench says when it stopped unsettled")
    int maxWarmup;

    @Option(names = "--threads", defaultValue = "4",
            description = {"raw Lucene's threads in the throughput runs (default ${DEFAULT-VALUE}; on two cores, enough to keep them busy);",
                    "Quarry also runs with that many requests in flight, for the ratio at equal concurrency"})
    int threads;

    @Option(names = "--in-flight", defaultValue = "16",
            description = {"Quarry's requests in flight in its throughput runs, the ones its throughput and the ratio are taken from",
                    "(default ${DEFAULT-VALUE}). A server's throughput is the rate it sustains when offered enough work: with requests",
                    "waiting, its threads take the next one instead of going to sleep and being woken for it (sample corpus, 4 in flight:",
                    "5.4 voluntary context switches and 0.85 ms of server CPU per search; 16: 4.2 and 0.71-0.76 ms). Searches/s on a",
                    "2-core machine: 4 in flight 1,800-1,850; 8: 2,040-2,240; 16: 2,210-2,640; 32: 2,420-2,540; 64: 2,240. Lucene's",
                    "threads need no queue: 4 keep both cores busy. Each answer starts the next request on the client's event loop",
                    "(an async closed loop, as wrk or ghz drive a server), so the client spends no thread wake-up per search"})
    int inFlight;

    @Option(names = "--rounds", defaultValue = "5",
            description = {"the measured runs are split into this many rounds, each running raw Lucene, the second baseline and Quarry",
                    "back to back, so that a machine that speeds up or slows down during the bench weighs on every side alike; the ratio",
                    "printed is the median of the rounds' ratios (default ${DEFAULT-VALUE})"})
    int rounds;

    @Option(names = "-k", defaultValue = "10", description = "hits per query (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--scoring", defaultValue = "GLOBAL", description = "GLOBAL or LOCAL (default ${DEFAULT-VALUE})")
    Scoring scoring;

    @Option(names = "--total-hits-threshold", defaultValue = "0",
            description = "count total hits up to N on both sides; 0 counts them exactly, Quarry's default (default ${DEFAULT-VALUE})")
    long totalHitsThreshold;

    @Option(names = "--metrics-url", defaultValue = "http://127.0.0.1:7401/metrics",
            description = "the coordinator's metrics, for its cache and fan-out counters (default ${DEFAULT-VALUE})")
    String metricsUrl;

    @Mixin
    Endpoints endpoints;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (totalHitsThreshold < 0 || queries < 1 || warmup < 0 || threads < 1 || inFlight < 1 || rounds < 1 || rounds > queries
                || jitSettled < 0 || maxWarmup < warmup) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--queries, --threads, --in-flight and --rounds must be positive, --rounds at most --queries, --warmup, --jit-settled and"
                            + " --total-hits-threshold (0 = exact) not negative, --max-warmup at least --warmup");
        }
        List<String> lines = readLines();
        List<String> texts = new ArrayList<>();
        for (String l : lines) {
            var n = Json.parse(l);
            texts.add(n.path("name").asText("") + " " + n.path("description").asText(""));
        }
        int runs = runsPerRound();
        int measured = runs * queries;
        // the measured queries first, then the warm-up's: all distinct, so no measured query is known to the coordinator
        List<String> qs = QueryGenerator.generate(texts, measured + (jitSettled > 0 ? maxWarmup : warmup), 42);
        if (qs.size() < measured + warmup) {
            throw new IllegalStateException("only " + qs.size() + " distinct queries could be generated; lower --queries or --warmup");
        }
        System.out.printf("%,d documents, %,d distinct generated queries (warm-up at least %,d%s, then %,d sequential and %,d throughput%s, each new), k=%d, %s scoring, total hits %s on both sides%n",
                lines.size(), qs.size(), warmup, jitSettled > 0 ? String.format(" and until the JIT compilers settle, at most %,d", qs.size() - measured) : "",
                queries, queries, runs == 3 ? String.format(" and %,d for Quarry with %d in flight", queries, threads) : "",
                k, scoring, totalHitsThreshold == 0 ? "exact" : String.format("counted up to %,d", totalHitsThreshold));
        ManagedChannel ch = Grpc.loadChannel(endpoints.coordinator);
        try (LuceneBaseline lucene = new LuceneBaseline(lines)) {
            SearchServiceGrpc.SearchServiceBlockingStub stub = SearchServiceGrpc.newBlockingStub(ch);
            SearchServiceGrpc.SearchServiceStub async = SearchServiceGrpc.newStub(ch);
            java.util.function.IntFunction<SearchRequest> request = i -> SearchRequest.newBuilder().setIndex(index).setQuery(qs.get(i)).setK(k)
                    .setScoring(scoring).setTotalHitsThreshold(totalHitsThreshold).build();
            LatencyRun.Op quarry = i -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).search(request.apply(i));
            LatencyRun.AsyncOp quarryAsync = (i, done) -> async.withDeadlineAfter(10, TimeUnit.SECONDS).search(request.apply(i), new StreamObserver<>() {
                @Override
                public void onNext(dev.quarry.proto.v1.SearchResponse r) {}

                @Override
                public void onError(Throwable t) {
                    done.accept(t);
                }

                @Override
                public void onCompleted() {
                    done.accept(null);
                }
            });
            Sides sides = new Sides(i -> lucene.search(qs.get(i), k, totalHitsThreshold), i -> lucene.searchTuned(qs.get(i), k, totalHitsThreshold),
                    quarry, quarryAsync);
            int perRound = queries / rounds;
            warmUp(sides, measured, qs.size() - measured, perRound);
            MachineQuiet.await(ManagementFactory.getOperatingSystemMXBean(), System.out, "JIT compilation");
            Map<String, Double> before = CoordinatorCounters.read(metricsUrl);
            JitShare.Mark measureStart = JitShare.Mark.now(before);
            Round total = null;
            double[] ratios = new double[rounds];
            double[] equalRatios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                int n = r == rounds - 1 ? queries - r * perRound : perRound; // the last round takes the remainder
                Round one = round(sides, r * perRound, queries, n);
                ratios[r] = one.quarryTp().opsPerSecond() / one.luceneTp().opsPerSecond();
                equalRatios[r] = one.quarryEqualTp().opsPerSecond() / one.luceneTp().opsPerSecond();
                total = total == null ? one : total.plus(one);
            }
            LatencyRun.Result luceneSeq = total.luceneSeq(), tunedSeq = total.tunedSeq(), quarrySeq = total.quarrySeq();
            LatencyRun.Result luceneTp = total.luceneTp(), tunedTp = total.tunedTp(), quarryTp = total.quarryTp();
            double quarryServerCpuMs = total.quarryServerCpuMs();
            Map<String, Double> after = CoordinatorCounters.read(metricsUrl);
            JitShare measuredJit = measureStart.until(after);
            System.out.printf("%-30s %10s %10s %10s %12s %12s %8s%n", "", "QPS", "p50 ms", "p99 ms", "p99 ms (tp)", "machine CPU", "errors");
            row("raw Lucene, " + threads + " threads", luceneTp, luceneSeq);
            row("  same, Quarry's hit reads", tunedTp, tunedSeq);
            row("Quarry, " + inFlight + " in flight", quarryTp, quarrySeq);
            if (inFlight != threads) {
                row("  same, " + threads + " in flight", total.quarryEqualTp(), quarrySeq);
            }
            System.out.println("(QPS, p99 (tp) and machine CPU: the throughput runs; p50 and p99: the sequential runs, one search at a time;"
                    + " machine CPU: all cores, every process)");
            System.out.printf("throughput ratio Quarry / Lucene: %.3f (median of %d rounds, range %.3f-%.3f; over all rounds %.3f; against the second row: %.3f)%n",
                    median(ratios), rounds, min(ratios), max(ratios), quarryTp.opsPerSecond() / luceneTp.opsPerSecond(),
                    quarryTp.opsPerSecond() / tunedTp.opsPerSecond());
            if (inFlight != threads) {
                System.out.printf("  with %d in flight, as many as Lucene's threads: %.3f (median of %d rounds, range %.3f-%.3f)%n",
                        threads, median(equalRatios), rounds, min(equalRatios), max(equalRatios));
            }
            System.out.printf("coordinator path added latency at p50: %.3f ms (against the second row: %.3f ms; sequential client)%n",
                    quarrySeq.p50Ms() - luceneSeq.p50Ms(), quarrySeq.p50Ms() - tunedSeq.p50Ms());
            System.out.printf("CPU per search in the throughput runs: raw Lucene %.3f ms, with Quarry's hit reads %.3f ms (this JVM); Quarry %.3f ms "
                            + "in the process behind --metrics-url (in `quarry dev`: every service) + %.3f ms in this JVM, the client%n",
                    luceneTp.cpuMsPerOp(), tunedTp.cpuMsPerOp(), quarryServerCpuMs / queries, quarryTp.cpuMsPerOp());
            System.out.println("(raw Lucene: stock, the id tie-break by Lucene's string sort and sources from stored fields; second row: the id"
                    + " sorted by ordinal and ids and sources from doc values, as Quarry's shards read them)");
            System.out.println(CoordinatorCounters.describe(before, after, measured));
            System.out.println("JIT compiling during the measured rounds: " + measuredJit.describe() + " of the time");
            return quarryTp.errors() + quarrySeq.errors() > 0 ? 1 : 0;
        } finally {
            ch.shutdownNow();
        }
    }

    /** The three sides of a round: stock Lucene, Lucene with Quarry's reads, and Quarry (blocking for the sequential run, async for throughput). */
    private record Sides(LatencyRun.Op raw, LatencyRun.Op tuned, LatencyRun.Op quarry, LatencyRun.AsyncOp quarryAsync) {}

    /**
     * What one round (or several, summed) measured on each side; {@code quarryEqualTp}: Quarry with as many
     * requests in flight as Lucene's threads (the same run as {@code quarryTp} when --in-flight equals --threads);
     * {@code quarryServerCpuMs}: the server's CPU over Quarry's throughput runs at --in-flight, in ms.
     */
    private record Round(LatencyRun.Result luceneSeq, LatencyRun.Result tunedSeq, LatencyRun.Result quarrySeq,
                         LatencyRun.Result luceneTp, LatencyRun.Result tunedTp, LatencyRun.Result quarryTp, LatencyRun.Result quarryEqualTp,
                         double quarryServerCpuMs) {
        Round plus(Round o) {
            return new Round(luceneSeq.plus(o.luceneSeq), tunedSeq.plus(o.tunedSeq), quarrySeq.plus(o.quarrySeq), luceneTp.plus(o.luceneTp),
                    tunedTp.plus(o.tunedTp), quarryTp.plus(o.quarryTp), quarryEqualTp.plus(o.quarryEqualTp), quarryServerCpuMs + o.quarryServerCpuMs);
        }
    }

    /**
     * The warm-up: rounds like the measured ones (every code path the rounds take, in the same alternation: one long run per
     * side left the JIT compiling the others' paths, and deoptimizing, into the measured rounds) on the {@code available}
     * queries from {@code from}, at least --warmup of them, then until the JIT compilers settle (--jit-settled) or the
     * queries run out. Prints its progress every 15 s and what it ended with.
     */
    private void warmUp(Sides sides, int from, int available, int perRound) throws Exception {
        int runs = runsPerRound();
        int first = Math.max(1, Math.min(perRound, warmup / runs)); // queries per run in the rounds of --warmup
        int firstRounds = warmup / (runs * first);
        long start = System.nanoTime();
        long lastReport = start;
        int used = 0;
        JitShare last = null;
        for (int w = 0; w < firstRounds || (jitSettled > 0 && (last == null || !last.settled(jitSettled / 100))); w++) {
            int n = w < firstRounds ? first : perRound;
            if (used + runs * n > available) {
                System.out.printf("warm-up stopped after %,d queries (--max-warmup) with the JIT compilers still busy: %s of the last round's time%n",
                        used, last == null ? "unknown" : last.describe());
                return;
            }
            JitShare.Mark mark = JitShare.Mark.now(CoordinatorCounters.read(metricsUrl));
            round(sides, from + used, n, n);
            last = mark.until(CoordinatorCounters.read(metricsUrl));
            used += runs * n;
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(15)) {
                lastReport = System.nanoTime();
                System.out.printf("warm-up: %,d queries, %.0f s; JIT compiling: %s of the last round's time%n",
                        used, (lastReport - start) / 1e9, last.describe());
            }
        }
        if (last != null) { // no warm-up at all with --warmup 0 --jit-settled 0
            System.out.printf("warm-up: %,d queries in %.0f s; JIT compiling in its last round: %s of the time%n", used,
                    (System.nanoTime() - start) / 1e9, last.describe());
        }
    }

    /** Measured runs per round: sequential, throughput, and Quarry's throughput at --threads in flight when that is not --in-flight. */
    private int runsPerRound() {
        return inFlight == threads ? 2 : 3;
    }

    /**
     * Each side back to back: {@code n} sequential queries from {@code seqFrom}, then {@code n} from {@code seqFrom + stride}
     * with Lucene on --threads threads and Quarry with --in-flight requests in flight, then (when --threads differs) Quarry
     * with --threads in flight on {@code n} more from {@code seqFrom + 2 * stride}: every run's queries new to the coordinator.
     */
    private Round round(Sides sides, int seqFrom, int stride, int n) throws Exception {
        int tpFrom = seqFrom + stride;
        int equalFrom = seqFrom + 2 * stride;
        LatencyRun.Result luceneSeq = LatencyRun.run(n, 1, i -> sides.raw().run(seqFrom + i));
        LatencyRun.Result tunedSeq = LatencyRun.run(n, 1, i -> sides.tuned().run(seqFrom + i));
        LatencyRun.Result quarrySeq = LatencyRun.run(n, 1, i -> sides.quarry().run(seqFrom + i));
        LatencyRun.Result luceneTp = LatencyRun.run(n, threads, i -> sides.raw().run(tpFrom + i));
        LatencyRun.Result tunedTp = LatencyRun.run(n, threads, i -> sides.tuned().run(tpFrom + i));
        Map<String, Double> beforeTp = CoordinatorCounters.read(metricsUrl);
        LatencyRun.Result quarryTp = LatencyRun.runAsync(n, inFlight, (i, done) -> sides.quarryAsync().start(tpFrom + i, done));
        double serverCpuMs = CoordinatorCounters.cpuMsPerOp(beforeTp, CoordinatorCounters.read(metricsUrl), 1);
        LatencyRun.Result quarryEqualTp = inFlight == threads ? quarryTp
                : LatencyRun.runAsync(n, threads, (i, done) -> sides.quarryAsync().start(equalFrom + i, done));
        return new Round(luceneSeq, tunedSeq, quarrySeq, luceneTp, tunedTp, quarryTp, quarryEqualTp, serverCpuMs);
    }

    private static void row(String name, LatencyRun.Result tp, LatencyRun.Result seq) {
        System.out.printf("%-30s %10.0f %10.3f %10.3f %12.3f %11.0f%% %8d%n", name, tp.opsPerSecond(), seq.p50Ms(), seq.p99Ms(), tp.p99Ms(),
                tp.machineBusy() * 100, tp.errors() + seq.errors());
    }

    private static double median(double[] xs) {
        double[] sorted = xs.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] xs) {
        return java.util.Arrays.stream(xs).min().orElse(Double.NaN);
    }

    private static double max(double[] xs) {
        return java.util.Arrays.stream(xs).max().orElse(Double.NaN);
    }

    private List<String> readLines() throws Exception {
        if (data != null) {
            return JsonLines.readAll(data);
        }
        try (InputStream in = SampleLoader.class.getResourceAsStream(SampleLoader.SAMPLE)) {
            return JsonLines.readAll(in);
        }
    }
}
