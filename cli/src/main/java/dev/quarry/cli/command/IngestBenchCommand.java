package dev.quarry.cli.command;

import dev.quarry.common.io.FileTrees;
import dev.quarry.cli.bench.IngestBench;
import dev.quarry.cli.util.JsonLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Ingest benchmark on a fresh in-process cluster (real Kafka, Ratis, 2 shard servers; index of 2 shards x 2 replicas):",
                "docs/s from produce to searchable on all replicas beside a raw Lucene IndexWriter on the same documents,",
                "then the freshness lag at half that rate (new documents, then updates), then a new replica's recovery by file copy versus replay from Kafka.",
                "Use --docs 1000000 for the whole npm corpus (227k documents)."})
public final class IngestBenchCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "FILE", defaultValue = "../shared/datasets/npm-packages.jsonl.gz",
            description = "JSON lines with id, name, version, description, downloads (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--docs", defaultValue = "100000", description = "documents for the throughput run (default ${DEFAULT-VALUE})")
    int docs;

    @Option(names = "--freshness-seconds", defaultValue = "20",
            description = "length of the freshness run at half the measured rate (default ${DEFAULT-VALUE}); it starts once the machine is quiet")
    int freshnessSeconds;

    @Option(names = "--freshness-warmup-seconds", defaultValue = "20",
            description = "writes at the same rate before each freshness run, in the same stream, whose lags are printed but not counted: "
                    + "a JVM a minute old is still compiling; 0 = none (default ${DEFAULT-VALUE})")
    int freshnessWarmupSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--skip-recovery", description = "do not time a new replica of shard 0 by peer file copy versus replay from Kafka")
    boolean skipRecovery;

    @Option(names = "--apply-nice", defaultValue = "0",
            description = "nice increment of the replicas' apply threads, as quarry shard --apply-nice; 0 = unchanged (default ${DEFAULT-VALUE})")
    int applyNice;

    @Override
    public Integer call() throws Exception {
        if (docs <= 0 || freshnessSeconds <= 0 || freshnessWarmupSeconds < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--docs and --freshness-seconds must be positive, --freshness-warmup-seconds not negative");
        }
        Path dir = Files.createTempDirectory("quarry-bench-ingest");
        List<String> lines = JsonLines.readAll(data);
        try {
            IngestBench.run(new IngestBench.Options(data, docs, freshnessSeconds, freshnessWarmupSeconds, !skipRecovery, dir, applyNice), lines, System.out);
        } finally {
            FileTrees.delete(dir);
        }
        return 0;
    }
}
