package dev.quarry.cli.chaos;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Writes a chaos run's report into a folder: {@code <name>.json} (the {@link ChaosRun}, pretty-printed,
 * record components as field names), {@code <name>.png} (its chart), and {@code report.md}, rebuilt
 * from every run JSON in the folder so that a mitigated run written earlier and a
 * {@code no-mitigation} run written later stand side by side; with both of those present also
 * {@code comparison.png}.
 *
 * <p><b>NaN</b> (a second without interactive answers, a replica that was never added) is written as
 * the JSON string {@code "NaN"} (Jackson's {@code WRITE_NAN_AS_STRINGS}): the file stays valid JSON
 * for any reader, and Jackson reads the string back into a {@code double} NaN. A bare {@code NaN}
 * token, as other tools write it, is accepted too.
 *
 * <p>Every file is written to a temporary sibling and moved into place, so a reader never sees half a
 * report. JSON files in the folder that are not chaos runs are left alone and out of the report.
 *
 * <p>Thread-safety: stateless; the shared {@link ObjectMapper} is configured once and thread-safe.
 * Two processes writing into the same folder at once may each rebuild {@code report.md} without the
 * other's run; the last writer wins.
 */
public final class ChaosReport {
    public static final String MARKDOWN = "report.md";
    public static final String COMPARISON_PNG = "comparison.png";
    static final String MITIGATED = "mitigated";
    static final String NO_MITIGATION = "no-mitigation";

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ChaosReport() {}

    /**
     * Writes {@code run}'s JSON and chart into {@code reportDir} (created if missing) and rebuilds the
     * folder's Markdown report.
     *
     * @return the path of {@code report.md}
     * @throws IllegalArgumentException if the run's name is not usable as a file name
     */
    public static Path write(Path reportDir, ChaosRun run) throws IOException {
        return write(reportDir, run, Clock.systemUTC());
    }

    static Path write(Path reportDir, ChaosRun run, Clock clock) throws IOException {
        if (!SAFE_NAME.matcher(run.name()).matches()) {
            throw new IllegalArgumentException("run name '" + run.name() + "' is not a plain file name (letters, digits, . _ -)");
        }
        Files.createDirectories(reportDir);
        atomically(reportDir.resolve(run.name() + ".json"), tmp -> JSON.writeValue(tmp.toFile(), run));
        atomically(reportDir.resolve(run.name() + ".png"), tmp -> ChaosChart.writeRunChart(run, tmp));

        List<ChaosRun> runs = runsIn(reportDir);
        Optional<ChaosRun> mitigated = named(runs, MITIGATED);
        Optional<ChaosRun> unmitigated = named(runs, NO_MITIGATION);
        String comparison = null;
        if (mitigated.isPresent() && unmitigated.isPresent()) {
            atomically(reportDir.resolve(COMPARISON_PNG),
                    tmp -> ChaosChart.writeComparisonChart(mitigated.get(), unmitigated.get(), tmp));
            comparison = COMPARISON_PNG;
        }
        String markdown = ChaosMarkdown.render(runs, clock.instant(), comparison);
        Path md = reportDir.resolve(MARKDOWN);
        atomically(md, tmp -> Files.writeString(tmp, markdown));
        return md;
    }

    /** Reads a run written by {@link #write}. */
    public static ChaosRun read(Path json) throws IOException {
        return JSON.readValue(json.toFile(), ChaosRun.class);
    }

    /**
     * The runs in {@code dir}: {@code mitigated} first, {@code no-mitigation} second, then any other by
     * name. Files that do not parse as a run are skipped.
     */
    static List<ChaosRun> runsIn(Path dir) throws IOException {
        List<ChaosRun> runs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                try {
                    runs.add(read(file));
                } catch (JacksonException notARun) {
                    // Not ours (or from an incompatible version): the report covers chaos runs only.
                }
            }
        }
        runs.sort(Comparator.comparingInt(ChaosReport::rank).thenComparing(ChaosRun::name));
        return runs;
    }

    private static int rank(ChaosRun run) {
        return switch (run.name()) {
            case MITIGATED -> 0;
            case NO_MITIGATION -> 1;
            default -> 2;
        };
    }

    private static Optional<ChaosRun> named(List<ChaosRun> runs, String name) {
        return runs.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    private interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    private static void atomically(Path target, Writer writer) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            writer.writeTo(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
