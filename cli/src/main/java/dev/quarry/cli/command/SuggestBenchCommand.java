package dev.quarry.cli.command;

import dev.quarry.suggest.bench.SuggestBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry bench suggest}: the typeahead benchmark, in process (see {@link SuggestBench}). */
@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"Typeahead benchmark, in process: build time and bytes per key (npm names and synthetic keys),",
                "snapshot restore time, lookups/s beside Lucene's WFSTCompletionLookup on the same keys and prefixes",
                "(ratio), and HTTP throughput and latency on loopback."})
public final class SuggestBenchCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "FILE", defaultValue = "../shared/datasets/npm-packages.jsonl.gz",
            description = "npm corpus, JSON lines with id, name, downloads (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--synthetic", defaultValue = "2000000", description = "synthetic keys to build, 0 to skip (default ${DEFAULT-VALUE})")
    int synthetic;

    @Option(names = "--millis", defaultValue = "3000", description = "length of each timed run in ms (default ${DEFAULT-VALUE})")
    long millis;

    @Option(names = "--connections", defaultValue = "4", description = "HTTP keep-alive connections, 0 to skip HTTP (default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--delta", defaultValue = "1000", description = "changes left in the delta during lookups (default ${DEFAULT-VALUE})")
    int delta;

    @Option(names = "-k", defaultValue = "10", description = "suggestions per lookup (default ${DEFAULT-VALUE})")
    int k;

    @Override
    public Integer call() throws Exception {
        SuggestBench.run(new SuggestBench.Options(data, synthetic, millis, connections, delta, k), System.out);
        return 0;
    }
}
