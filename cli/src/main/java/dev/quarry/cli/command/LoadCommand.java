package dev.quarry.cli.command;

import dev.quarry.cli.util.CountingInputStream;
import dev.quarry.cli.util.JsonLines;
import dev.quarry.cli.util.Progress;
import dev.quarry.ingest.load.BulkLoader;
import dev.quarry.ingest.load.LoadSummary;
import dev.quarry.ingest.routing.Topics;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Bulk-load JSON lines (plain or .gz, or - for stdin) into an index through Kafka.",
                "Each line is one document; its id field becomes the record key. Lines that are not JSON objects with an id are reported, not sent."})
public final class LoadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "JSON lines file (.gz ok), or - for stdin")
    String file;

    @Option(names = "--index", required = true, description = "target index (must exist: quarry index create)")
    String index;

    @Option(names = "--id-field", defaultValue = "id", description = "field holding the document id (default ${DEFAULT-VALUE})")
    String idField;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Option(names = "--wait", description = "after sending, wait until every document sent is searchable (asks the coordinator) and report the time")
    boolean await;

    @Option(names = "--wait-timeout-s", defaultValue = "600", description = "give up waiting after this many seconds (default ${DEFAULT-VALUE})")
    long waitTimeoutS;

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() throws Exception {
        Path path = file.equals("-") ? null : Path.of(file);
        if (path != null && !Files.isReadable(path)) {
            System.err.println("quarry: cannot read " + file);
            return 1;
        }
        long size = path == null ? -1 : Files.size(path);
        try (InputStream raw = path == null ? System.in : Files.newInputStream(path);
             CountingInputStream counted = new CountingInputStream(new BufferedInputStream(raw, 1 << 16));
             Producer<byte[], byte[]> producer = new KafkaProducer<>(BulkLoader.producerProperties(endpoints.kafka, "quarry-load"))) {
            BufferedReader reader = JsonLines.reader(counted);
            PrintStream err = System.err;
            Progress progress = new Progress(err, !quiet && System.console() != null, size, counted::count);
            LoadSummary s = load(producer, reader, progress);
            progress.finish();
            report(s, System.out);
            if (await && !Searchable.await(endpoints.coordinator, index, s, waitTimeoutS, System.out)) {
                return 1;
            }
            return s.failed() > 0 ? 1 : 0;
        }
    }

    private LoadSummary load(Producer<byte[], byte[]> producer, BufferedReader reader, Progress progress) throws Exception {
        BulkLoader loader = new BulkLoader(producer, Topics.docs(index), idField);
        return loader.load(reader, lines -> progress.update(lines, false));
    }

    static void report(LoadSummary s, PrintStream out) {
        out.printf("sent %,d documents to Kafka in %.1f s (%,.0f docs/s); %,d lines read%n",
                s.sent(), s.elapsedNanos() / 1e9, s.docsPerSecond(), s.lines());
        if (s.failed() > 0) {
            out.printf("FAILED: Kafka did not acknowledge %,d documents%n", s.failed());
        }
        if (s.rejectedCount() > 0) {
            out.printf("rejected %,d lines:%n", s.rejectedCount());
            s.rejected().forEach(r -> out.printf("  line %d: %s%n", r.lineNumber(), r.reason()));
            if (s.rejectedCount() > s.rejected().size()) {
                out.printf("  ... and %,d more%n", s.rejectedCount() - s.rejected().size());
            }
        }
    }
}
