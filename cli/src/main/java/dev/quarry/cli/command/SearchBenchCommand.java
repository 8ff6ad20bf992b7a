package dev.quarry.cli.command;

import dev.quarry.cli.bench.CoordinatorCounters;
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
            description = {"queries before measuring, on each side, run in unmeasured rounds like the measured ones (default ${DEFAULT-VALUE}:",
                    "with fewer, a fresh JVM's JIT compiler is still busy in the measured runs); then the bench waits for the machine to go quiet"})
    int warmup;

    @Option(names = "--threads", defaultValue = "4",
            description = {"searches at once in the throughput runs (default ${DEFAULT-VALUE}): raw Lucene on that many threads; Quarry with that",
                    "many requests in flight, each answer starting the next one on the client's event loop (an async closed loop, as wrk",
                    "or ghz drive a server), so the client spends no thread wake-up per search"})
    int threads;

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
        if (totalHitsThreshold < 0 || queries < 1 || warmup < 0 || threads < 1 || rounds < 1 || rounds > queries) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--queries, --threads and --rounds must be positive, --rounds at most --queries, --warmup and --total-hits-threshold (0 = exact) not negative");
        }
        List<String> lines = readLines();
        List<String> texts = new ArrayList<>();
        for (String l : lines) {
            var n = Json.parse(l);
            texts.add(n.path("name").asText("") + " " + n.path("description").asText(""));
        }
        List<String> qs = QueryGenerator.generate(texts, warmup + 2 * queries, 42);
        if (qs.size() < warmup + 2 * queries) {
            throw new IllegalStateException("only " + qs.size() + " distinct queries could be generated; lower --queries or --warmup");
        }
        System.out.printf("%,d documents, %,d distinct generated queries (warm-up %,d, then %,d sequential and %,d throughput, each new), k=%d, %s scoring, total hits %s on both sides%n",
                lines.size(), qs.size(), warmup, queries, queries, k, scoring,
                totalHitsThreshold == 0 ? "exact" : String.format("counted up to %,d", totalHitsThreshold));
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
            // the warm-up runs in rounds like the measured runs: every code path the rounds take, in the same alternation
            // (one long run per side left the JIT compiling the others' paths, and deoptimizing, into the measured rounds)
            int warmN = Math.min(perRound, warmup / 2);
            for (int w = 0; warmN > 0 && w < warmup / (2 * warmN); w++) {
                round(sides, 2 * w * warmN, (2 * w + 1) * warmN, warmN, threads);
            }
            MachineQuiet.await(ManagementFactory.getOperatingSystemMXBean(), System.out, "JIT compilation");
            Map<String, Double> before = CoordinatorCounters.read(metricsUrl);
            Round total = null;
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                int n = r == rounds - 1 ? queries - r * perRound : perRound; // the last round takes the remainder
                Round one = round(sides, warmup + r * perRound, warmup + queries + r * perRound, n, threads);
                ratios[r] = one.quarryTp().opsPerSecond() / one.luceneTp().opsPerSecond();
                total = total == null ? one : total.plus(one);
            }
            LatencyRun.Result luceneSeq = total.luceneSeq(), tunedSeq = total.tunedSeq(), quarrySeq = total.quarrySeq();
            LatencyRun.Result luceneTp = total.luceneTp(), tunedTp = total.tunedTp(), quarryTp = total.quarryTp();
            double quarryServerCpuMs = total.quarryServerCpuMs();
            Map<String, Double> after = CoordinatorCounters.read(metricsUrl);
            System.out.printf("%-28s %10s %10s %10s %8s%n", "", "QPS(" + threads + ")", "p50 ms", "p99 ms", "errors");
            row("raw Lucene, one index", luceneTp, luceneSeq);
            row("  same, Quarry's hit reads", tunedTp, tunedSeq);
            row("Quarry via coordinator", quarryTp, quarrySeq);
            double[] sorted = ratios.clone();
            java.util.Arrays.sort(sorted);
            System.out.printf("throughput ratio Quarry / Lucene: %.3f (median of %d rounds, range %.3f-%.3f; over all rounds %.3f; against the second row: %.3f)%n",
                    sorted[rounds / 2], rounds, sorted[0], sorted[rounds - 1], quarryTp.opsPerSecond() / luceneTp.opsPerSecond(),
                    quarryTp.opsPerSecond() / tunedTp.opsPerSecond());
            System.out.printf("coordinator path added latency at p50: %.3f ms (against the second row: %.3f ms; sequential client)%n",
                    quarrySeq.p50Ms() - luceneSeq.p50Ms(), quarrySeq.p50Ms() - tunedSeq.p50Ms());
            System.out.printf("CPU per search in the throughput runs: raw Lucene %.3f ms, with Quarry's hit reads %.3f ms (this JVM); Quarry %.3f ms "
                            + "in the process behind --metrics-url (in `quarry dev`: every service) + %.3f ms in this JVM, the client%n",
                    luceneTp.cpuMsPerOp(), tunedTp.cpuMsPerOp(), quarryServerCpuMs / queries, quarryTp.cpuMsPerOp());
            System.out.println("(raw Lucene: stock, the id tie-break by Lucene's string sort and sources from stored fields; second row: the id"
                    + " sorted by ordinal and ids and sources from doc values, as Quarry's shards read them)");
            System.out.println(CoordinatorCounters.describe(before, after, 2 * queries));
            return quarryTp.errors() + quarrySeq.errors() > 0 ? 1 : 0;
        } finally {
            ch.shutdownNow();
        }
    }

    /** The three sides of a round: stock Lucene, Lucene with Quarry's reads, and Quarry (blocking for the sequential run, async for throughput). */
    private record Sides(LatencyRun.Op raw, LatencyRun.Op tuned, LatencyRun.Op quarry, LatencyRun.AsyncOp quarryAsync) {}

    /** What one round (or several, summed) measured on each side; {@code quarryServerCpuMs}: the server's CPU over Quarry's throughput runs, in ms. */
    private record Round(LatencyRun.Result luceneSeq, LatencyRun.Result tunedSeq, LatencyRun.Result quarrySeq,
                         LatencyRun.Result luceneTp, LatencyRun.Result tunedTp, LatencyRun.Result quarryTp, double quarryServerCpuMs) {
        Round plus(Round o) {
            return new Round(luceneSeq.plus(o.luceneSeq), tunedSeq.plus(o.tunedSeq), quarrySeq.plus(o.quarrySeq), luceneTp.plus(o.luceneTp),
                    tunedTp.plus(o.tunedTp), quarryTp.plus(o.quarryTp), quarryServerCpuMs + o.quarryServerCpuMs);
        }
    }

    /** Each side back to back: {@code n} sequential queries from {@code seqFrom}, then {@code n} with {@code threads} at once from {@code tpFrom}. */
    private Round round(Sides sides, int seqFrom, int tpFrom, int n, int threads) throws Exception {
        LatencyRun.Result luceneSeq = LatencyRun.run(n, 1, i -> sides.raw().run(seqFrom + i));
        LatencyRun.Result tunedSeq = LatencyRun.run(n, 1, i -> sides.tuned().run(seqFrom + i));
        LatencyRun.Result quarrySeq = LatencyRun.run(n, 1, i -> sides.quarry().run(seqFrom + i));
        LatencyRun.Result luceneTp = LatencyRun.run(n, threads, i -> sides.raw().run(tpFrom + i));
        LatencyRun.Result tunedTp = LatencyRun.run(n, threads, i -> sides.tuned().run(tpFrom + i));
        Map<String, Double> beforeTp = CoordinatorCounters.read(metricsUrl);
        LatencyRun.Result quarryTp = LatencyRun.runAsync(n, threads, (i, done) -> sides.quarryAsync().start(tpFrom + i, done));
        double serverCpuMs = CoordinatorCounters.cpuMsPerOp(beforeTp, CoordinatorCounters.read(metricsUrl), 1);
        return new Round(luceneSeq, tunedSeq, quarrySeq, luceneTp, tunedTp, quarryTp, serverCpuMs);
    }

    private static void row(String name, LatencyRun.Result tp, LatencyRun.Result seq) {
        System.out.printf("%-28s %10.0f %10.3f %10.3f %8d%n", name, tp.opsPerSecond(), seq.p50Ms(), seq.p99Ms(), tp.errors() + seq.errors());
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
